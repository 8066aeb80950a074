import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor } from '../store/ids';
import type { ConnectionCap } from './connectionCap';
import type { RequestLimits } from './rateLimits';

declare module 'fastify' {
  interface FastifyInstance {
    /** The connection cap on this API's server (connectionCap.ts). */
    connectionCap: ConnectionCap;
    /** What authentication counts against the rate limits (rateLimits.ts). */
    requestLimits: RequestLimits;
  }
}

/**
 * What a route file registers its routes on: fastify with the zod type provider, so each
 * route's `schema` (params, querystring, body, response) both validates the request, types
 * the handler and becomes the OpenAPI document at `GET /v1/openapi.json`.
 */
export type Api = FastifyInstance<
  Server,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Every error answer: `{error, message, details?}` (docs/api.md). */
export const errorBodySchema = z
  .strictObject({
    error: z.string().describe('A stable code: invalid_request, unauthorized, not_found, …'),
    message: z.string().describe('What went wrong and what to do about it.'),
    details: z
      .array(z.strictObject({ path: z.string(), message: z.string() }))
      .optional()
      .describe('On 400: each field that failed and why.'),
  })
  .meta({ id: 'Error' });

/**
 * The error answers a route documents, besides 429 and 500: a `/v1` or `/3cx` route adds 401
 * (and a `/v1` one 403, for a template-only key), one that reads an id adds 404, one that takes
 * a body adds 413 and 415. The error handler sends every error through these schemas.
 */
export function errorResponses<S extends 400 | 401 | 403 | 404 | 409 | 413 | 415>(
  ...statuses: S[]
): Record<S | 429 | 500, typeof errorBodySchema> {
  // Every route may meet a rate limit (rateLimits.ts).
  const out = { 429: errorBodySchema, 500: errorBodySchema } as Record<
    S | 429 | 500,
    typeof errorBodySchema
  >;
  for (const status of statuses) out[status] = errorBodySchema;
  return out;
}

/** `security` of a route that needs a location's API key (`Authorization: Bearer cxb_…`). */
export const API_KEY: Array<Record<string, string[]>> = [{ apiKey: [] }];

/** `security` of `/metrics`: open, or the metrics token when the bridge sets one. */
export const METRICS_TOKEN: Array<Record<string, string[]>> = [{}, { metricsToken: [] }];

/** A route whose answer has no body (`204`). */
export const noContent = z.undefined().describe('No content.');

/** The ids routes take: bounded, so a path is never megabytes of text. */
export const idParam = (max: number) => z.strictObject({ id: z.string().min(1).max(max) });

/** `?flag=true|false|1|0` in a query string. */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** `?limit=` of a list: 1–100, default 25. */
export const pageLimit = z.coerce.number().int().min(1).max(100).default(25);

/** `?cursor=` of a list: a `next_cursor` the API gave out, as it was. */
export const cursorParam = z
  .string()
  .max(100)
  .refine((cursor) => decodeCursor(cursor) !== null, {
    message: 'is not a cursor from this API: pass next_cursor exactly as it came',
  });

/** `next_cursor` of a list: opaque; null when there is nothing older. */
export const nextCursor = z
  .string()
  .nullable()
  .describe('Pass as `cursor` for the next (older) page; null when there is nothing older.');
