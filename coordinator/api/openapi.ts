/**
 * The OpenAPI 3.1 description of the REST API, served at `/openapi.json`. Request-body schemas are generated from
 * the zod schemas that validate them, so the document cannot drift from what the server accepts; response
 * schemas follow the views of `service.ts`. A unit test checks that every registered route is described here.
 */
import { type PartyRole, ROLE_CODES } from '../../protocols/control/control.js';
import type { ApiErrorCode } from '../errors.js';
import { HTTP_STATUS } from '../errors.js';
import { IDEMPOTENCY_HEADER, REPLAYED_HEADER } from './idempotency.js';
import {
  fromZod,
  hex,
  iso,
  type JsonSchema,
  json,
  nullable,
  type OpenApiDocument,
  type OpenApiParameter,
  type OpenApiResponse,
  type OpenApiResponseOrRef,
  obj,
  ref,
  str,
} from './openapi-parts.js';
import { CreateAccountFields, JoinTokenBody, ListAccountsQuery, ReshareBody, SignFields } from './schemas.js';

const ROLES = Object.keys(ROLE_CODES) as PartyRole[];
const ERROR_CODES = Object.keys(HTTP_STATUS) as ApiErrorCode[];

/** Error responses, by the name used in `components.responses`. */
const ERROR_RESPONSES: Record<string, { code: ApiErrorCode; description: string }> = {
  InvalidRequest: { code: 'INVALID_REQUEST', description: 'The request is malformed; the message names the field.' },
  UserShareRequired: {
    code: 'USER_SHARE_REQUIRED',
    description: 'The hybrid account needs its user share for this signing and the request brought none.',
  },
  InvalidUserShare: {
    code: 'INVALID_USER_SHARE',
    description: "The userShare is not this account's (altered, truncated, or another account's).",
  },
  Unauthorized: { code: 'UNAUTHORIZED', description: 'Missing or unknown X-API-Key.' },
  Forbidden: { code: 'FORBIDDEN', description: 'The client address is not in the allow list.' },
  NotFound: { code: 'NOT_FOUND', description: 'No such resource (or route).' },
  Conflict: {
    code: 'CONFLICT',
    description:
      'Idempotency-Key still in progress or reused with a different request, or the account is in no state for the request.',
  },
  Unavailable: { code: 'UNAVAILABLE', description: 'Not enough parties online, or the database is unavailable.' },
  Timeout: { code: 'TIMEOUT', description: 'The session did not finish in time.' },
  SigningFailed: { code: 'SIGNING_FAILED', description: 'The session failed; details may name culprits.' },
  Internal: { code: 'INTERNAL', description: 'An unexpected error; the message is generic.' },
};

const errorRef = (name: keyof typeof ERROR_RESPONSES): OpenApiResponseOrRef => ({
  $ref: `#/components/responses/${name}`,
});

/** Error responses every `/api` operation can give. */
const API_ERRORS: Record<string, OpenApiResponseOrRef> = {
  '401': errorRef('Unauthorized'),
  '403': errorRef('Forbidden'),
  '500': errorRef('Internal'),
};

/** The same errors plus 400, 409 and 503 for POSTs (validation, idempotency, database). */
const POST_ERRORS: Record<string, OpenApiResponseOrRef> = {
  ...API_ERRORS,
  '400': errorRef('InvalidRequest'),
  '409': errorRef('Conflict'),
  '503': errorRef('Unavailable'),
};

const idempotencyKey: OpenApiParameter = {
  name: IDEMPOTENCY_HEADER,
  in: 'header',
  required: false,
  description:
    'Makes the POST safe to retry: a repeat with the same key and request returns the stored response ' +
    `(with \`${REPLAYED_HEADER}: true\`) without repeating the work. 1 to 255 printable ASCII characters.`,
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7e]+$' },
};

const pathParam = (name: string, description: string): OpenApiParameter => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});

const ok = (description: string, schema: JsonSchema): OpenApiResponse => ({
  description,
  headers: {
    [REPLAYED_HEADER]: {
      description: 'Present (`true`) on a replayed idempotent response.',
      schema: { type: 'string' },
    },
  },
  content: json(schema),
});

const PUBLIC: Record<string, string[]>[] = [];

/** The fields of an account. */
const ACCOUNT_PROPERTIES: Record<string, JsonSchema> = {
  accountId: str(),
  userId: str(),
  publicKey: nullable(hex(66, 'Compressed secp256k1 public key; null until keygen finishes.')),
  address: nullable(str('EIP-55 checksummed Ethereum address; null until keygen finishes.')),
  threshold: { type: 'integer' },
  parties: { type: 'array', items: ref('AccountParty') },
  sessionId: str('The keygen session.'),
  status: { type: 'string', enum: ['pending', 'active', 'failed'] },
  custody: {
    type: 'string',
    enum: ['server', 'hybrid'],
    description: "hybrid: the delegate party's share is held by the caller (the user share), never shown here.",
  },
  requireUserShare: { type: 'boolean', description: 'Every signing must bring the user share.' },
  requireParties: { type: 'array', items: str(), description: 'Parties in every signing.' },
  createdAt: iso('When the account was created.'),
  rekeyedAt: nullable(iso('When a refresh or reshare last gave the key new shares; null if never.')),
  xpub: nullable(
    str(
      'BIP32 extended public key of the account key (mainnet xpub, depth 0): derive child addresses with any BIP32 library (non-hardened paths). Null while pending and for keys made before HD derivation.',
    ),
  ),
  presignatures: {
    type: 'integer',
    description:
      "Presignatures the coordinator's pool holds for the account's current key (present only when it keeps a pool: --presign-pool).",
  },
};

/** The document served at `/openapi.json`. */
export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'MPC custody coordinator',
    version: '1',
    description:
      'Threshold-ECDSA accounts (keygen), signing, sessions and parties. Every /api route needs an X-API-Key ' +
      'header and a client address in the allow list; errors are always {"error":{"code","message","details"?}}.',
  },
  security: [{ apiKey: [] }],
  paths: {
    '/api/v1/accounts': {
      post: {
        operationId: 'createAccount',
        summary: 'Create an account: runs a keygen and answers once the key is active',
        description:
          '`custody: "hybrid"` puts an online delegate node among the parties: its share is sealed for the caller ' +
          'and returned once as `userShare` (base64url), never stored; keep it, signing needs it when the ' +
          'persistent parties alone cannot reach the threshold (or `requireUserShare` is set). `include` names ' +
          'parties to put in the key, `requireParties` those of them that must take part in every signing. ' +
          '`user_id` is accepted as an alias of `userId`.',
        tags: ['accounts'],
        parameters: [idempotencyKey],
        requestBody: { required: true, content: json(fromZod(CreateAccountFields)) },
        responses: {
          '201': ok('The new, active account (with `userShare` for hybrid custody).', ref('CreatedAccount')),
          ...POST_ERRORS,
          '502': errorRef('SigningFailed'),
          '504': errorRef('Timeout'),
        },
      },
      get: {
        operationId: 'listAccounts',
        summary: "List a user's accounts, newest first",
        tags: ['accounts'],
        parameters: [
          {
            name: 'userId',
            in: 'query',
            required: true,
            schema: fromZod(ListAccountsQuery.shape.userId),
          },
        ],
        responses: {
          '200': {
            description: 'The accounts.',
            content: json(obj({ accounts: { type: 'array', items: ref('Account') } })),
          },
          '400': errorRef('InvalidRequest'),
          ...API_ERRORS,
        },
      },
    },
    '/api/v1/accounts/{accountId}': {
      get: {
        operationId: 'getAccount',
        summary: 'Get an account',
        tags: ['accounts'],
        parameters: [pathParam('accountId', 'The account id.')],
        responses: {
          '200': { description: 'The account.', content: json(ref('Account')) },
          '404': errorRef('NotFound'),
          ...API_ERRORS,
        },
      },
    },
    '/api/v1/accounts/{accountId}/sign': {
      post: {
        operationId: 'sign',
        summary: "Sign a 32-byte hash with the account's key",
        description:
          "The signature is verified against the account's public key before it is returned. An all-zero hash is refused (400): it is no message's digest. " +
          'For a hybrid account, `userShare` (as its creation returned it) makes an online delegate node one of the signers; ' +
          'without it the persistent parties sign when they reach the threshold, else 400 USER_SHARE_REQUIRED. ' +
          "A user share that is not this account's (altered, truncated, another account's) gives 400 INVALID_USER_SHARE. " +
          '`include` names parties that must be among the signers. `message` is accepted as an alias of `messageHash`. ' +
          '`derivationPath` (e.g. `m/0/5`, non-hardened steps only; a hardened step is 400) signs with the BIP32 child of the account key that the account `xpub` derives at that path; the answer names the path, the child public key and its address.',
        tags: ['signing'],
        parameters: [pathParam('accountId', 'The account id.'), idempotencyKey],
        requestBody: { required: true, content: json(fromZod(SignFields)) },
        responses: {
          '200': ok('The signature.', ref('Signature')),
          ...POST_ERRORS,
          '404': errorRef('NotFound'),
          '502': errorRef('SigningFailed'),
          '504': errorRef('Timeout'),
        },
      },
    },
    '/api/v1/accounts/{accountId}/refresh': {
      post: {
        operationId: 'refreshAccount',
        summary: "Refresh the account's key: new shares for the same parties, same public key and address",
        description:
          'Every party of the key takes part and gets a new share and new pair states; the old shares are deleted when the new ones are committed and cannot be combined with them. ' +
          'A refresh that fails changes nothing: the old shares keep signing. Needs every party of the key online (503 otherwise); 409 for a hybrid account or while another refresh or reshare of it runs. The body is empty or `{}`.',
        tags: ['accounts'],
        parameters: [pathParam('accountId', 'The account id.'), idempotencyKey],
        requestBody: { required: false, content: json(obj({})) },
        responses: {
          '200': ok('The account under its new shares, and the refresh session.', ref('Reshared')),
          ...POST_ERRORS,
          '404': errorRef('NotFound'),
          '502': errorRef('SigningFailed'),
          '504': errorRef('Timeout'),
        },
      },
    },
    '/api/v1/accounts/{accountId}/reshare': {
      post: {
        operationId: 'reshareAccount',
        summary: "Move the account's key to other parties or another threshold, same public key and address",
        description:
          '`parties`: the party ids of the new key (online, not delegate nodes), or how many (the key’s online parties first, then online persistent parties at random). `threshold`: the new key’s (default: the current one). ' +
          'At least the current threshold of the key’s parties must be online: they deal their shares. Parties that leave the key delete their share when the new key is committed. A reshare that fails changes nothing.',
        tags: ['accounts'],
        parameters: [pathParam('accountId', 'The account id.'), idempotencyKey],
        requestBody: { required: true, content: json(fromZod(ReshareBody)) },
        responses: {
          '200': ok('The account under its new shares, and the reshare session.', ref('Reshared')),
          ...POST_ERRORS,
          '404': errorRef('NotFound'),
          '502': errorRef('SigningFailed'),
          '504': errorRef('Timeout'),
        },
      },
    },
    '/api/v1/sessions/{sessionId}': {
      get: {
        operationId: 'getSession',
        summary: 'Get a keygen, signing or reshare session with its event log',
        tags: ['sessions'],
        parameters: [pathParam('sessionId', 'The session id (64 hex).')],
        responses: {
          '200': { description: 'The session.', content: json(ref('Session')) },
          '404': errorRef('NotFound'),
          ...API_ERRORS,
        },
      },
    },
    '/api/v1/parties': {
      get: {
        operationId: 'listParties',
        summary: 'List registered and admitted parties',
        tags: ['parties'],
        responses: {
          '200': {
            description: 'The parties.',
            content: json(obj({ parties: { type: 'array', items: ref('Party') } })),
          },
          ...API_ERRORS,
        },
      },
    },
    '/api/v1/parties/{partyId}': {
      delete: {
        operationId: 'revokeParty',
        summary: 'Revoke a party: it is disconnected and refused from now on, also after a restart',
        description:
          'Revoking a party again answers the first revocation. A revoked party is no longer listed and never admitted again, by a join token or by the configuration.',
        tags: ['parties'],
        parameters: [pathParam('partyId', 'The party peer id (12D3KooW…).')],
        responses: {
          '200': { description: 'The revoked party.', content: json(ref('RevokedParty')) },
          '404': errorRef('NotFound'),
          ...API_ERRORS,
        },
      },
    },
    '/api/v1/join-tokens': {
      post: {
        operationId: 'createJoinToken',
        summary: 'Create a one-time token that admits one party to the network',
        tags: ['parties'],
        parameters: [idempotencyKey],
        requestBody: { required: false, content: json(fromZod(JoinTokenBody)) },
        responses: { '201': ok('The token; it is shown only once.', ref('JoinToken')), ...POST_ERRORS },
      },
    },
    '/livez': {
      get: {
        operationId: 'livez',
        summary: 'Liveness probe: 200 while the process answers',
        tags: ['operations'],
        security: PUBLIC,
        responses: { '200': { description: 'Alive.' } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary: 'Readiness probe: 200 when the database answers (not dependent on the parties or the quorum)',
        tags: ['operations'],
        security: PUBLIC,
        responses: {
          '200': { description: 'Ready to serve.' },
          '503': { description: 'The database does not answer.' },
        },
      },
    },
    '/health': {
      get: {
        operationId: 'health',
        summary: 'Health: database reachable and enough parties online for a default keygen',
        tags: ['operations'],
        security: PUBLIC,
        responses: {
          '200': { description: 'Healthy.', content: json(ref('Health')) },
          '503': { description: 'Unhealthy; the same fields say why.', content: json(ref('Health')) },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (no API key; the address allow list applies)',
        tags: ['operations'],
        security: PUBLIC,
        responses: {
          '200': {
            description: 'Prometheus text exposition.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          '403': errorRef('Forbidden'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        tags: ['operations'],
        security: PUBLIC,
        responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object' }) } },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'One of the configured API keys.' },
    },
    responses: Object.fromEntries(
      Object.entries(ERROR_RESPONSES).map(([name, { code, description }]) => [
        name,
        {
          description: `${HTTP_STATUS[code]} ${code}: ${description}`,
          content: json({
            allOf: [ref('Error'), { properties: { error: { properties: { code: { const: code } } } } }],
          }),
        },
      ]),
    ),
    schemas: {
      Error: obj({
        error: obj(
          {
            code: { type: 'string', enum: ERROR_CODES },
            message: str('Safe to show; names the offending field for INVALID_REQUEST.'),
            details: { type: 'object', description: 'Extra facts, e.g. sessionId or culprits.' },
          },
          ['details'],
        ),
      }),
      AccountParty: obj({
        partyId: str('libp2p peer id (base58btc).'),
        index: { type: 'integer', minimum: 1, description: "The party's index in the key." },
        role: { type: 'string', enum: ROLES },
      }),
      Account: obj(ACCOUNT_PROPERTIES, ['presignatures']),
      CreatedAccount: obj(
        {
          ...ACCOUNT_PROPERTIES,
          userShare: str('Hybrid custody only: the sealed user share (base64url). Returned once; keep it.'),
        },
        ['userShare', 'presignatures'],
      ),
      Reshared: obj({ account: ref('Account'), session: ref('Session') }),
      Signature: obj({
        accountId: str(),
        sessionId: str(),
        messageHash: hex(64, 'The signed hash, as requested.'),
        signature: obj({
          r: hex(64, 'r.'),
          s: hex(64, 's, low-s normalised.'),
          v: { type: 'integer', enum: [27, 28] },
          recoveryId: { type: 'integer', enum: [0, 1] },
        }),
        signatureHex: hex(130, 'r ‖ s ‖ v.'),
        derivationPath: str('m for the account key itself, else the BIP32 path of the child that signed.'),
        publicKey: hex(66, 'The compressed public key the signature verifies under (the child key for a path).'),
        address: str('EIP-55 address of that key (what ecrecover returns).'),
        presigned: {
          type: 'boolean',
          description:
            'True when a pooled presignature was used and only the online round ran; false for a full signing.',
        },
      }),
      SessionEvent: obj(
        {
          type: str('e.g. created, announced, party-joined, party-result, round-timeout, result, failure, retry.'),
          at: iso('When it happened.'),
          partyId: str(),
          detail: { type: 'object' },
        },
        ['partyId', 'detail'],
      ),
      Session: obj(
        {
          sessionId: str(),
          kind: { type: 'string', enum: ['keygen', 'sign', 'reshare', 'presign'] },
          status: { type: 'string', enum: ['pending', 'running', 'completed', 'failed'] },
          accountId: str(),
          parties: { type: 'array', items: obj({ partyId: str(), index: { type: 'integer' } }) },
          events: { type: 'array', items: ref('SessionEvent') },
          error: obj({ code: str(), message: str(), culprits: { type: 'array', items: str() } }, ['culprits']),
        },
        ['error'],
      ),
      Party: obj({
        partyId: str(),
        role: { type: 'string', enum: ROLES },
        status: { type: 'string', enum: ['online', 'offline'] },
        addresses: { type: 'array', items: str('A multiaddr.') },
        lastSeen: nullable(iso('Last seen; null when never seen.')),
        bans: {
          type: 'array',
          items: str('A peer id.'),
          description: 'Peers this party has banned (after a failed check); it runs no session with them.',
        },
      }),
      JoinToken: obj({
        token: str('The one-time token.'),
        expiresAt: iso('When it expires.'),
        role: { type: 'string', enum: ['persistent', 'delegate', 'external'], description: 'The role it admits.' },
      }),
      RevokedParty: obj({ partyId: str('The party peer id.'), revokedAt: iso('When it was first revoked.') }),
      Health: {
        type: 'object',
        properties: {
          status: {
            type: 'string',
            enum: ['ok', 'degraded', 'unavailable'],
            description: '`degraded`: healthy, but some pairs of parties have banned each other (see bannedPairs).',
          },
          ok: { type: 'boolean' },
          database: { type: 'boolean' },
          onlineParties: { type: 'integer' },
          quorum: { type: 'integer', description: 'Parties needed online for a default (2-of-3) keygen.' },
          bannedPairs: {
            type: 'array',
            items: { type: 'array', items: str('A peer id.'), minItems: 2, maxItems: 2 },
            description: 'Pairs of parties one of which has banned the other; never chosen together.',
          },
          error: str('Present when the health check itself failed.'),
        },
        required: ['status'],
      },
    },
  },
};
