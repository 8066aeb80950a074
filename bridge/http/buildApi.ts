/**
 * The bridge's HTTP API. How to add a route (docs/api.md lists every one; a test checks that
 * the list and the OpenAPI document agree):
 *
 * 1. In a file under routes/, `app.get|post|…(url, { schema }, handler)` on the `Api` instance
 *    (routeKit.ts) with zod schemas for `params`, `querystring`, `body` and `response`
 *    (each status the route answers, `...errorResponses(400, 401, …)` for its errors), plus
 *    `summary` and, under the key, `security: API_KEY`. Fastify validates with them before the
 *    handler runs (a 400 naming the field: requestValidation.ts), the handler's `request.body`
 *    etc. are typed from them, the answer is checked against the response schema, and the
 *    route appears in `GET /v1/openapi.json`. No validation by hand in the handler.
 * 2. Register the file's function below: inside the `/v1` scope to require a full API key.
 * 3. Add the route to docs/api.md under "Endpoints" (or the 3CX table).
 */
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ApiError } from './apiError';
import type { ApiContext } from './apiContext';
import { requireApiKey, TEMPLATE_SCOPES, V1_SCOPES } from './authentication';
import { answerClientError } from './clientErrors';
import { capConnections } from './connectionCap';
import { httpLimits, type HttpLimits } from './httpLimits';
import { rateLimits } from './rateLimits';
import { PostgresError } from '../store/sql/syncPgClient';
import { CorruptRowError } from '../store/storedJson';
import { validatorCompiler } from './requestValidation';
import { responseSerializerCompiler } from './responseSerializer';
import type { Api } from './routeKit';
import { callRoutes } from './routes/callRoutes';
import { dashboardRoutes } from './routes/dashboardRoutes';
import { eventRoutes } from './routes/eventRoutes';
import { healthRoutes } from './routes/healthRoutes';
import { hookRoutes } from './routes/hookRoutes';
import { meRoutes } from './routes/meRoutes';
import { reportRoutes } from './routes/reportRoutes';
import { settingsRoutes } from './routes/settingsRoutes';
import { testEventRoutes } from './routes/testEventRoutes';

export const BODY_LIMIT_BYTES = 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Whose `X-Forwarded-For` names the client (the address rate limits count by): a reverse proxy
 * on this machine or the private network. A client connecting straight from the internet
 * cannot pick its own address. `BRIDGE_TRUST_PROXY` replaces it (proxy-addr syntax: addresses,
 * CIDR ranges, `loopback`, `uniquelocal`).
 */
export const DEFAULT_TRUST_PROXY = 'loopback,linklocal,uniquelocal';

export interface ApiOptions {
  logger?: Logger | false;
  /** More routes under `/v1` (a full key). */
  extraRoutes?: Array<(app: Api, ctx: ApiContext) => void>;
  /** The 3CX CRM-template routes (a full or a template-scoped key). */
  templateRoutes?: (app: Api, ctx: ApiContext) => void;
  /** Timeouts, the connection cap and rate limits; the defaults of httpLimits.ts otherwise. */
  limits?: HttpLimits;
  trustProxy?: string;
}

/**
 * The bridge's HTTP API (docs/api.md): fastify, JSON only, bodies up to 1 MB, every error as
 * `{error, message, details?}` with a 4xx that says what is wrong. Nothing that fails
 * validation reaches the store, and no request can crash the process. Every connection is
 * bounded in time and number, every client and key in requests per minute (httpLimits.ts).
 */
export function buildApi(ctx: ApiContext, options: ApiOptions = {}): Api {
  const limits = options.limits ?? httpLimits();
  const app: Api = Fastify({
    loggerInstance: options.logger ? (options.logger as FastifyBaseLogger) : undefined,
    // Zapier polls and hooks would flood the log: requests are not logged, errors are.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? DEFAULT_TRUST_PROXY,
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxRequestsPerSocket: limits.maxRequestsPerSocket,
    // Fastify sets the three above on the server; these Node takes only when it is created.
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.decorate('connectionCap', capConnections(app.server, limits.maxConnections));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(responseSerializerCompiler);
  // Plugins load in order when the API is made ready (`ready()`, `listen()`): the document
  // generator first, so it sees every route the later plugins add.
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: '3CX missed-call bridge API',
        version: ctx.version,
        description:
          'One location (3CX system) per API key. Errors are `{error, message, details?}`; see docs/api.md.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'A location API key (`cxb_…`) from `3cx-bridge key create`.',
          },
          metricsToken: {
            type: 'http',
            scheme: 'bearer',
            description: "The bridge's BRIDGE_METRICS_TOKEN, when it sets one.",
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  // Before the routes: its per-address limit runs first on every request.
  void app.register(rateLimits, limits);

  // JSON bodies must be valid UTF-8 and valid JSON: invalid bytes are a 400, never mangled
  // into replacement characters and stored. Parameters are allowed (`; charset=utf-8`, as
  // Zapier's z.request and many clients send); the bytes must be UTF-8 whatever they say.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json\s*(;.*)?$/i,
    { parseAs: 'buffer' },
    (_request, body: Buffer, done) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        done(new ApiError(400, 'invalid_request', 'The body is not valid UTF-8.'), undefined);
        return;
      }
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (error) {
        done(
          new ApiError(
            400,
            'invalid_request',
            `The body is not valid JSON: ${(error as Error).message}`,
          ),
          undefined,
        );
      }
    },
  );

  app.setErrorHandler(
    (error: FastifyError | ApiError | CorruptRowError | PostgresError, request, reply) => {
      const known = toApiError(error);
      if (known.status >= 500)
        request.log.error({ err: error, url: request.url }, 'request failed');
      else ctx.metrics.badRequest(request.routeOptions.url ?? 'unknown', known.status);
      const body: Record<string, unknown> = { error: known.code, message: known.message };
      if (known.details) body.details = known.details;
      return reply.status(known.status).headers(known.headers).send(body);
    },
  );
  app.setNotFoundHandler((request, reply) => {
    ctx.metrics.badRequest('unknown', 404);
    return reply.status(404).send({
      error: 'not_found',
      message: `No route ${request.method} ${request.url.split('?')[0]}.`,
    });
  });

  void app.register(async (open) => {
    healthRoutes(open, ctx);
    dashboardRoutes(open);
    open.get(
      '/v1/openapi.json',
      {
        schema: {
          summary: 'This OpenAPI 3.1 document (no key needed)',
          response: { 200: z.looseObject({ openapi: z.string() }) },
        },
      },
      async () => {
        // `openapi: '3.1.0'` above: the document is an OpenAPI 3.1 one.
        const document = app.swagger() as OpenAPIV3_1.Document;
        const publicUrl = ctx.publicUrl();
        return publicUrl ? { ...document, servers: [{ url: publicUrl }] } : document;
      },
    );
  });
  void app.register(async (v1) => {
    requireApiKey(v1, ctx, { scopes: V1_SCOPES, adminToken: ctx.adminToken });
    meRoutes(v1, ctx);
    hookRoutes(v1, ctx);
    eventRoutes(v1, ctx);
    callRoutes(v1, ctx);
    settingsRoutes(v1, ctx);
    testEventRoutes(v1, ctx);
    reportRoutes(v1, ctx);
    for (const routes of options.extraRoutes ?? []) routes(v1, ctx);
  });
  const templateRoutes = options.templateRoutes;
  if (templateRoutes) {
    void app.register(async (template) => {
      requireApiKey(template, ctx, { scopes: TEMPLATE_SCOPES });
      templateRoutes(template, ctx);
    });
  }
  return app;
}

function toApiError(error: FastifyError | ApiError | CorruptRowError | PostgresError): ApiError {
  if (error instanceof ApiError) return error;
  // A damaged row: say which, so an operator can find it; the rest of the API keeps serving.
  if (error instanceof CorruptRowError)
    return new ApiError(500, 'stored_data_corrupt', error.message);
  // Postgres keeps no U+0000 in text (SQLSTATE 22021, 22P05); SQLite does. The request, not the
  // bridge, is at fault: say so rather than answer 500.
  if (error instanceof PostgresError && (error.code === '22021' || error.code === '22P05'))
    return new ApiError(
      400,
      'invalid_request',
      'The request holds a NUL character (U+0000), which this bridge’s database (Postgres) cannot keep: remove it.',
    );
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        413,
        'payload_too_large',
        `The body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MB.`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        'unsupported_media_type',
        'Send the body as JSON (Content-Type: application/json).',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'invalid_request', 'The body is empty; send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', 'The Content-Length does not match the body.');
  }
  const status = error instanceof PostgresError ? 500 : (error.statusCode ?? 500);
  if (status >= 400 && status < 500) return new ApiError(status, 'invalid_request', error.message);
  return new ApiError(
    500,
    'internal_error',
    'The bridge could not handle this request; it has been logged.',
  );
}
