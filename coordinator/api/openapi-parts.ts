/**
 * The pieces the OpenAPI document (openapi.ts) is built from: the shapes of an OpenAPI 3.1 document, as much as
 * this API uses, and small builders for its JSON schemas.
 */
import { z } from 'zod';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1): the keywords used here, and any other. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  [keyword: string]: unknown;
}

/** A header, path or query parameter. */
export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** A response or request body's media types. */
export type OpenApiContent = Record<string, { schema: JsonSchema }>;

/** One response. */
export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: OpenApiContent;
}

/** A response, or a reference to one in `components.responses`. */
export type OpenApiResponseOrRef = OpenApiResponse | { $ref: string };

/** One operation (method on a path). */
export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Overrides the document's security; `[]` means no API key. */
  security?: Record<string, string[]>[];
  parameters?: OpenApiParameter[];
  requestBody?: { required: boolean; content: OpenApiContent };
  responses: Record<string, OpenApiResponseOrRef>;
}

/** The operations of one path. */
export type OpenApiPathItem = Partial<Record<'get' | 'post' | 'put' | 'patch' | 'delete', OpenApiOperation>>;

/** An OpenAPI 3.1 document, as much of it as this API uses. */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, OpenApiPathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, OpenApiResponse>;
    securitySchemes: Record<string, { type: 'apiKey'; in: 'header'; name: string; description: string }>;
  };
  security: Record<string, string[]>[];
}

/** `/a/:b` (router form) to `/a/{b}` (OpenAPI form). */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A zod schema as an OpenAPI schema: what a client may send (`input`: defaults make fields optional). */
export function fromZod(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as JsonSchema;
  return rest;
}

/** A reference to a schema of `components.schemas`. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
/** A JSON body of `schema`. */
export const json = (schema: JsonSchema): OpenApiContent => ({ 'application/json': { schema } });
/** A string. */
export const str = (description?: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  ...(description === undefined ? {} : { description }),
  ...extra,
});
/** A closed object; every property required except `optional`. */
export const obj = (properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
});
/** `0x` and `digits` hex digits. */
export const hex = (digits: number, description: string): JsonSchema =>
  str(description, { pattern: `^0x[0-9a-fA-F]{${digits}}$` });
/** An ISO 8601 time. */
export const iso = (description: string): JsonSchema => str(description, { format: 'date-time' });
/** `schema` or null. */
export const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, type: [String(schema.type), 'null'] });
