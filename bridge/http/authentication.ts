import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminToken } from '../secrets/adminToken';
import type { KeyScope } from '../store/apiKeys';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { ApiError } from './apiError';

declare module 'fastify' {
  interface FastifyRequest {
    /** The location the API key belongs to; set on every `/v1` and `/3cx` route but for the admin. */
    location: Location | null;
    /** Signed in with the bridge admin's token (bridge/secrets/adminToken.ts). */
    admin: boolean;
  }
}

/** The key scopes each part of the API accepts (bridge/store/apiKeys.ts `KeyScope`). */
export const V1_SCOPES: readonly KeyScope[] = ['full'];
export const TEMPLATE_SCOPES: readonly KeyScope[] = ['full', 'template'];

const ADMIN_ONLY_READS =
  "The admin token reads the reports and the dashboard only: use a location's API key for this.";

/** What the rate limits count the admin's requests under (rateLimits.ts). */
const ADMIN_LIMIT_KEY = 'admin';

/**
 * `Authorization: Bearer <key>` on every route of the scope. The key is looked up by its hash
 * (bridge/secrets/apiKeys.ts); a revoked or unknown key is 401, never a hint which. A valid key
 * whose scope the routes do not accept is 403 (a template-only key on /v1). With `adminToken`,
 * the bridge admin's token is accepted too (reports only: `locationOf` refuses it elsewhere).
 * Every request is counted against its key's rate limit, every failure against the address's
 * (rateLimits.ts): a flood of wrong keys meets 429.
 */
export function requireApiKey(
  app: FastifyInstance,
  deps: { store: BridgeStore; now: () => number },
  options: { scopes: readonly KeyScope[]; adminToken?: AdminToken | null },
): void {
  app.decorateRequest('location', null);
  app.decorateRequest('admin', false);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const sent = bearerToken(request);
    if (sent && options.adminToken?.matches(sent)) {
      await app.requestLimits.keyUsed(request, ADMIN_LIMIT_KEY, 'admin');
      request.admin = true;
      return;
    }
    const found = sent ? deps.store.apiKeys.authenticate(sent, new Date(deps.now())) : null;
    const location = found ? deps.store.locations.get(found.locationId) : null;
    if (!found || !location) {
      await app.requestLimits.authFailed(request);
      throw sent
        ? ApiError.unauthorized(
            'The API key is not valid: it may have been revoked. Create a new one with `3cx-bridge key create`.',
          )
        : ApiError.unauthorized();
    }
    await app.requestLimits.keyUsed(request, found.keyId, found.scope);
    if (!options.scopes.includes(found.scope))
      throw ApiError.forbidden(
        `This key is limited to the 3CX CRM template (scope "${found.scope}"): it can look up and create contacts and post the call journal, nothing under /v1. Use a full key (\`3cx-bridge key create --location …\`).`,
      );
    request.location = location;
  });
}

/** The token of `Authorization: Bearer <token>`, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1] ?? null;
}

/** The request's location (the auth hook guarantees it on `/v1` and `/3cx` routes, but for the admin). */
export function locationOf(request: FastifyRequest): Location {
  if (!request.location) throw ApiError.unauthorized(request.admin ? ADMIN_ONLY_READS : undefined);
  return request.location;
}

/**
 * The locations a report may cover: the key's own, or for the admin every location (or the one
 * `?location=` names, by id or name).
 */
export function reportLocationsOf(
  request: FastifyRequest,
  store: BridgeStore,
  wanted: string | undefined,
): Location[] {
  if (!request.admin) {
    const own = locationOf(request);
    if (wanted !== undefined && wanted !== own.id && wanted !== own.name)
      throw ApiError.notFound('Location');
    return [own];
  }
  const all = store.locations.list();
  if (wanted === undefined) return all;
  const found = all.filter((l) => l.id === wanted || l.name === wanted);
  if (found.length === 0) throw ApiError.notFound('Location');
  return found;
}
