/**
 * Request validation: the zod schemas of every request body, query and path parameter, and the one function
 * that turns a zod failure into a 400 whose message names the field (`threshold: expected number, received
 * string`), because clients fix requests by the field name. Parsing happens here once: the schemas output typed
 * values (a message hash as 32 bytes, counts as numbers), and the service behind the routes never re-checks the
 * request's strings.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { parseDerivationPath } from '../../protocols/dkls23/derive.js';
import { CoordinatorError } from '../errors.js';
import { clientText, displayName } from './text.js';

/** Limits on party counts: a threshold key needs two parties, and sixteen bounds protocol cost. */
export const MIN_PARTIES = 2;
/** See {@link MIN_PARTIES}. */
export const MAX_PARTIES = 16;

// Range checks come before `.int()` so that an out-of-range number reports the range, not the safe-integer limit.
const partyCount = z.number().min(MIN_PARTIES).max(MAX_PARTIES).int();

/** A party id (a libp2p peer id in base58btc, as `GET /api/v1/parties` lists them). */
const partyId = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{20,128}$/, 'must be a party id (a base58btc peer id)');

/** A list of distinct party ids. */
const partyIds = z
  .array(partyId)
  .max(MAX_PARTIES)
  .refine((ids) => new Set(ids).size === ids.length, 'must not name a party twice');

/**
 * Snake_case names the system this coordinator replaces used, accepted as aliases of the canonical camelCase
 * fields so that its callers switch without code changes. Giving both spellings of one field is refused.
 */
function aliases(map: Readonly<Record<string, string>>) {
  return (input: unknown): unknown => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const [alias, name] of Object.entries(map)) {
      if (!Object.hasOwn(out, alias)) continue;
      if (Object.hasOwn(out, name)) {
        throw new CoordinatorError('INVALID_REQUEST', `${alias}: give ${name} or ${alias}, not both`);
      }
      out[name] = out[alias];
      delete out[alias];
    }
    return out;
  };
}

/** The fields of `POST /api/v1/accounts` in their canonical names (the OpenAPI document shows these). */
export const CreateAccountFields = z
  .strictObject({
    userId: clientText(128),
    threshold: partyCount.default(2),
    parties: partyCount.default(3),
    custody: z.enum(['server', 'hybrid']).default('server'),
    requireUserShare: z.boolean().default(false),
    include: partyIds.default([]),
    requireParties: partyIds.default([]),
  })
  .check((ctx) => {
    // Only meaningful once every field is valid.
    if (ctx.issues.length > 0) return;
    const v = ctx.value;
    const issue = (path: string, message: string, input: unknown) =>
      ctx.issues.push({ code: 'custom', path: [path], message, input });
    if (v.threshold > v.parties) {
      issue('threshold', `must not exceed parties (${v.parties})`, v.threshold);
      return;
    }
    if (v.include.length > v.parties) issue('include', `names more than parties (${v.parties})`, v.include);
    const notIncluded = v.requireParties.find((p) => !v.include.includes(p));
    if (notIncluded) issue('requireParties', `${notIncluded} is not in include`, v.requireParties);
    if (v.requireUserShare && v.custody !== 'hybrid') {
      issue('requireUserShare', 'needs custody "hybrid" (a server account has no user share)', true);
    } else if (v.requireUserShare && v.parties - 1 >= v.threshold) {
      issue(
        'requireUserShare',
        `the ${v.parties - 1} persistent parties alone reach the threshold ${v.threshold}, so signing could go on without the user share; use threshold = parties`,
        true,
      );
    }
    const seats = v.threshold - (v.requireUserShare ? 1 : 0);
    if (v.requireParties.length > seats) {
      issue('requireParties', `names more parties than a signing has room for (${seats})`, v.requireParties);
    }
  });

/** `POST /api/v1/accounts` (`user_id` is an alias of `userId`). */
export const CreateAccountBody = z.preprocess(aliases({ user_id: 'userId' }), CreateAccountFields);

/** Longest `userShare` text: base64url of the longest user share (4096 bytes) the delegate accepts. */
const MAX_USER_SHARE_CHARS = 5462;

/**
 * A BIP32 path of non-hardened steps, `m/0/5`, parsed to its child numbers; a hardened step (`0'`, `0h`, ≥ 2^31)
 * is refused, naming it: no party holds the secret key that a hardened step hashes.
 */
const derivationPath = z
  .string()
  .max(128)
  .transform((path, ctx) => {
    try {
      return parseDerivationPath(path);
    } catch (e) {
      ctx.issues.push({
        code: 'custom',
        message: (e as Error).message.replace(/^INVALID_ARGUMENT: /, ''),
        input: path,
      });
      return z.NEVER;
    }
  });

/**
 * `POST /api/v1/accounts/:accountId/sign` (`message` is an alias of `messageHash`): `messageHash` becomes its 32
 * bytes. An all-zero hash is refused: it is no digest of any message but a placeholder someone forgot to fill,
 * and signing it would hand out a signature that means nothing. `userShare` becomes its bytes: whether they
 * are a user share of this account only a delegate node can tell (`INVALID_USER_SHARE` otherwise).
 */
export const SignFields = z.strictObject({
  messageHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex characters')
    .transform((hex) => hexToBytes(hex.slice(2)))
    .refine((bytes) => bytes.some((b) => b !== 0), 'must not be all zeros; send the hash of the message to sign'),
  userShare: z
    .string()
    .min(1)
    .max(MAX_USER_SHARE_CHARS)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url, as the account creation returned it')
    .transform((text) => new Uint8Array(Buffer.from(text, 'base64url')))
    .optional(),
  include: partyIds.optional(),
  derivationPath: derivationPath.optional(),
});

/** `POST /api/v1/accounts/:accountId/sign` with its alias. */
export const SignBody = z.preprocess(aliases({ message: 'messageHash' }), SignFields);

/**
 * `POST /api/v1/accounts/:accountId/reshare`: the new key's `parties` (a list of distinct party ids, or a count)
 * and its `threshold` (default: the account's), which must not exceed them.
 */
export const ReshareBody = z
  .strictObject({
    parties: z.union([partyIds.min(MIN_PARTIES), partyCount]),
    threshold: partyCount.optional(),
  })
  .check((ctx) => {
    if (ctx.issues.length > 0) return;
    const { parties, threshold } = ctx.value;
    const n = typeof parties === 'number' ? parties : parties.length;
    if (threshold !== undefined && threshold > n) {
      ctx.issues.push({
        code: 'custom',
        path: ['threshold'],
        message: `must not exceed parties (${n})`,
        input: threshold,
      });
    }
  });

/** `POST /api/v1/accounts/:accountId/refresh`: no fields (an empty object, or no body). */
export const RefreshBody = z.strictObject({});

/** A session id as the API shows it: 64 lowercase hex characters. */
const SESSION_ID = /^[0-9a-f]{64}$/;

/**
 * The `:sessionId` of `GET /api/v1/sessions/:sessionId` as its 32 bytes, or undefined when the text cannot be a
 * session id (such a session does not exist, so the route answers 404 rather than 400).
 */
export function parseSessionId(text: string): Uint8Array | undefined {
  return SESSION_ID.test(text) ? hexToBytes(text) : undefined;
}

/** Whether `text` is a libp2p peer id as parties are named (`12D3KooW…`, base58btc). */
export function isPeerId(text: string): boolean {
  if (!/^[1-9A-HJ-NP-Za-km-z]{40,100}$/.test(text)) return false;
  try {
    peerIdFromString(text);
    return true;
  } catch {
    return false;
  }
}

/** Join-token lifetime bounds: a minute at least, a week at most. */
export const JOIN_TOKEN_TTL = { min: 60, max: 604_800, default: 3600 } as const;

/** `POST /api/v1/join-tokens` (an empty body means all defaults). */
export const JoinTokenBody = z.strictObject({
  ttlSeconds: z.number().min(JOIN_TOKEN_TTL.min).max(JOIN_TOKEN_TTL.max).int().default(JOIN_TOKEN_TTL.default),
  /** The role the admitted party must register with: the operator's choice, not the joining peer's. */
  role: z.enum(['persistent', 'delegate', 'external']).default('persistent'),
});

/** `GET /api/v1/accounts?userId=…`. */
export const ListAccountsQuery = z.strictObject({
  userId: clientText(128),
});

/** How a JSON value is named in "expected …, received …". */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `a.b[0]`, or `body` for the top level; a client-chosen key is shown with its control characters escaped. */
function fieldName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const part of path) {
    if (typeof part === 'number') name += `[${part}]`;
    else name += name === '' ? displayName(String(part)) : `.${displayName(String(part))}`;
  }
  return name === '' ? 'body' : name;
}

function bound(origin: string, relation: 'at least' | 'at most', n: number | bigint): string {
  if (origin === 'string') return `must be ${relation} ${n} character${n === 1 ? '' : 's'} long`;
  if (origin === 'array') return `must have ${relation} ${n} item${n === 1 ? '' : 's'}`;
  return `must be ${relation} ${n}`;
}

/** One `[field, problem]` per problem of the issue (an unknown-keys issue names several fields). */
function describe(issue: z.core.$ZodIssue): [string, string][] {
  const field = fieldName(issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return [[field, 'required']];
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return [[field, `expected ${expected}, received ${kindOf(issue.input)}`]];
    }
    case 'unrecognized_keys':
      return issue.keys.map((k) => [fieldName([...issue.path, k]), 'unknown field']);
    case 'too_small':
      return [[field, bound(issue.origin, 'at least', issue.minimum)]];
    case 'too_big':
      return [[field, bound(issue.origin, 'at most', issue.maximum)]];
    default:
      return [[field, issue.message]];
  }
}

/** Formats a zod error as one message, `field: problem` joined by `; `, the first problem of each field. */
export function formatIssues(error: z.ZodError): string {
  const byField = new Map<string, string>();
  for (const issue of error.issues) {
    for (const [field, problem] of describe(issue)) {
      if (!byField.has(field)) byField.set(field, `${field}: ${problem}`);
    }
  }
  return [...byField.values()].join('; ');
}

/** Validates `input` against `schema`, throwing 400 INVALID_REQUEST with {@link formatIssues} on failure. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // reportInput: the formatter needs the offending value's type for "received …".
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw new CoordinatorError('INVALID_REQUEST', formatIssues(result.error));
  return result.data;
}
