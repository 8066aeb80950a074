import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { ApiError } from './apiError';
import type { KeyScope } from '../store/apiKeys';
import type { HttpLimits } from './httpLimits';

/** What the routes' authentication counts against the limits (authentication.ts). */
export interface RequestLimits {
  /** A request made with this key; a 429 past the limit of the key's scope (httpLimits.ts). */
  keyUsed(request: FastifyRequest, keyId: string, scope: KeyScope | 'admin'): Promise<void>;
  /** A request whose key or token was missing or wrong; a 429 past the address's limit. */
  authFailed(request: FastifyRequest): Promise<void>;
}

const MINUTE_MS = 60_000;
/** The load balancers' probe (routes/healthRoutes.ts). */
const HEALTH_PATH = '/healthz';

/**
 * Rate limits (docs/api.md: 429 `rate_limited` with `Retry-After`), counted by
 * `@fastify/rate-limit` in fixed one-minute windows in memory:
 *
 * - per client address, on every request but the health probe, before anything else runs;
 * - per API key, once the key is known (so the Zaps, scenarios and 3CX sharing a key share it),
 *   with a larger budget for template-scoped keys, which only the PBX uses;
 * - failed authentication per address: a flood of wrong keys meets 429 while valid keys from
 *   the same address still work (a wrong key can never use up someone else's budget).
 *
 * The client address is the connection's, or `X-Forwarded-For`'s when the connection comes
 * from a trusted proxy (`BRIDGE_TRUST_PROXY`, buildApi.ts). Registered with fastify-plugin, so
 * its hook and `requestLimits` reach every route.
 */
export const rateLimits = fastifyPlugin<HttpLimits>(
  async (app, limits) => {
    await app.register(fastifyRateLimit, { global: false, timeWindow: MINUTE_MS });

    /** The key a request was counted for, read by the per-key limiter's key generator. */
    const keyIdOf = new WeakMap<FastifyRequest, string>();
    const perAddress = limiter(app, limits.perAddressPerMinute);
    const keyOf = (request: FastifyRequest) => keyIdOf.get(request) ?? '';
    const perKey = limiter(app, limits.perKeyPerMinute, keyOf);
    const perTemplateKey = limiter(app, limits.perTemplateKeyPerMinute, keyOf);
    const failedAuth = limiter(app, limits.failedAuthPerMinute);

    app.addHook('onRequest', async (request) => {
      // Health probes are never limited: a load balancer or orchestrator that meets a 429 takes
      // the instance out (or restarts it) because a client flooded from its address. /healthz
      // reads nothing but counters; the connection cap and timeouts still bound it.
      if (request.routeOptions.url === HEALTH_PATH) return;
      await perAddress(
        request,
        `Too many requests from this address: at most ${limits.perAddressPerMinute} a minute.`,
      );
    });
    app.decorate('requestLimits', {
      async keyUsed(request, keyId, scope) {
        keyIdOf.set(request, keyId);
        if (scope === 'template')
          await perTemplateKey(
            request,
            `Too many requests with this 3CX template key: at most ${limits.perTemplateKeyPerMinute} a minute (raise BRIDGE_RATE_LIMIT_PER_TEMPLATE_KEY for a busier PBX).`,
          );
        else
          await perKey(
            request,
            `Too many requests with this API key: at most ${limits.perKeyPerMinute} a minute (shared by every Zap, scenario and 3CX template using the key).`,
          );
      },
      async authFailed(request) {
        await failedAuth(
          request,
          `Too many requests with a missing or wrong key from this address: at most ${limits.failedAuthPerMinute} a minute.`,
        );
      },
    } satisfies RequestLimits);
  },
  { name: 'bridge-rate-limits' },
);

/**
 * Count one request for `max` a minute (by the client address unless `keyOf` says otherwise)
 * and throw a 429 past it; `max` 0 counts nothing.
 */
function limiter(
  app: FastifyInstance,
  max: number,
  keyOf?: (request: FastifyRequest) => string,
): (request: FastifyRequest, message: string) => Promise<void> {
  if (max === 0) return async () => {};
  const check = app.createRateLimit({
    max,
    timeWindow: MINUTE_MS,
    ...(keyOf ? { keyGenerator: keyOf } : {}),
  });
  return async (request, message) => {
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded)
      throw ApiError.rateLimited(message, result.ttlInSeconds);
  };
}
