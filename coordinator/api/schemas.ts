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
import { CoordinatorError } from '../errors.js';
import { clientText, displayName } from './text.js';

/** Limits on party counts: a threshold key needs two parties, and sixteen bounds protocol cost. */
export const MIN_PARTIES = 2;
/** See {@link MIN_PARTIES}. */
export const MAX_PARTIES = 16;

// Range checks come before `.int()` so that an out-of-range number reports the range, not the safe-integer limit.
const partyCount = z.number().min(MIN_PARTIES).max(MAX_PARTIES).int();

/** `POST /api/v1/accounts`. */
export const CreateAccountBody = z
  .strictObject({
    userId: clientText(128),
    threshold: partyCount.default(2),
    parties: partyCount.default(3),
  })
  .check((ctx) => {
    // Only meaningful once both counts are valid numbers.
    if (ctx.issues.length > 0) return;
    if (ctx.value.threshold > ctx.value.parties) {
      ctx.issues.push({
        code: 'custom',
        path: ['threshold'],
        message: `must not exceed parties (${ctx.value.parties})`,
        input: ctx.value.threshold,
      });
    }
  });

/**
 * `POST /api/v1/accounts/:accountId/sign`: `messageHash` becomes its 32 bytes. An all-zero hash is refused: it is
 * no digest of any message but a placeholder someone forgot to fill, and signing it would hand out a signature
 * that means nothing.
 */
export const SignBody = z.strictObject({
  messageHash: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex characters')
    .transform((hex) => hexToBytes(hex.slice(2)))
    .refine((bytes) => bytes.some((b) => b !== 0), 'must not be all zeros; send the hash of the message to sign'),
});

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
