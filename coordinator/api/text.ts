/**
 * Every string a client sends (body fields, query and path parameters) is checked here before it reaches the
 * database or an error message. PostgreSQL refuses U+0000 in `text` and `jsonb` (a database error, which was a
 * 500), `jsonb` refuses an unpaired surrogate, and the driver silently turns one into U+FFFD, so two different
 * ids could name the same row. Control characters have no place in an id either: they only hide text in logs
 * and terminals. A string that fails is a 400 naming the field; a well-formed id that names nothing stays a 404.
 */
import { z } from 'zod';
import { CoordinatorError } from '../errors.js';

/** A control character: C0 (U+0000–U+001F, NUL included), DEL and C1 (U+0080–U+009F). */
const CONTROL = /\p{Cc}/u;
/** An unpaired UTF-16 surrogate (a pair forms one astral code point, which `\p{Cs}` does not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/** What the client is told about each problem. */
export const TEXT_PROBLEMS = {
  control: 'must not contain control characters',
  surrogate: 'must be well-formed Unicode (it contains an unpaired surrogate)',
} as const;

/** Why `s` cannot be taken as text from a client, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  if (CONTROL.test(s)) return TEXT_PROBLEMS.control;
  if (LONE_SURROGATE.test(s)) return TEXT_PROBLEMS.surrogate;
  return undefined;
}

/**
 * A zod string of 1..`max` characters without control characters or unpaired surrogates: the schema of every
 * free-text field a client sends (ids, user ids, labels).
 */
export function clientText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), TEXT_PROBLEMS.control)
    .refine((s) => !LONE_SURROGATE.test(s), TEXT_PROBLEMS.surrogate);
}

/** Longest path parameter: every id the API hands out (UUIDs, 64-hex session ids, peer ids) is far shorter. */
export const MAX_PATH_PARAM_CHARS = 128;

/** A path parameter checked like {@link clientText}; throws 400 `name: problem`. */
export function pathParam(name: string, value: string): string {
  const problem =
    value.length === 0
      ? 'required'
      : value.length > MAX_PATH_PARAM_CHARS
        ? `must be at most ${MAX_PATH_PARAM_CHARS} characters long`
        : textProblem(value);
  if (problem !== undefined) throw new CoordinatorError('INVALID_REQUEST', `${name}: ${problem}`);
  return value;
}

/**
 * The query string as `name → value` (a repeated name gives an array), decoded strictly: a `%` escape that is
 * not valid UTF-8 is a 400 naming the parameter, where Node's own parser would substitute U+FFFD and look up a
 * different value than the client sent.
 */
export function strictQuery(querystring: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (querystring === '') return out;
  for (const part of querystring.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const name = decode(rawName, 'query');
    const value = decode(rawValue, displayName(name));
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function decode(text: string, field: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw new CoordinatorError('INVALID_REQUEST', `${field}: not valid percent-encoded UTF-8`);
  }
}

/**
 * A client-chosen name (an unknown field, a query parameter) as it may appear in an error message: control
 * characters and unpaired surrogates escaped as `\uXXXX`, so the message can be stored (an idempotent reply is
 * kept in `jsonb`) and printed safely.
 */
export function displayName(name: string): string {
  return name.replace(/\p{Cc}|\p{Cs}/gu, (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`);
}
