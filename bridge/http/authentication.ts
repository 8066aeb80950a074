import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminToken } from '../secrets/adminToken';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { ApiError } from './apiError';

declare module 'fastify' {
  interface FastifyRequest {
    /** The location the API key belongs to; set on every `/v1` route but for the admin. */
    location: Location | null;
    /** Signed in with the bridge admin's token (bridge/secrets/adminToken.ts). */
    admin: boolean;
  }
}

const ADMIN_ONLY_READS =
  "The admin token reads the reports and the dashboard only: use a location's API key for this.";

/**
 * `Authorization: Bearer <key>` on every route of the scope. The key is looked up by its hash
 * (lib: bridge/secrets/apiKeys.ts); a revoked or unknown key is 401, never a hint which.
 */
export function requireApiKey(
  app: FastifyInstance,
  store: BridgeStore,
  now: () => number,
  adminToken: AdminToken | null = null,
): void {
  app.decorateRequest('location', null);
  app.decorateRequest('admin', false);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw ApiError.unauthorized();
    if (adminToken?.matches(match[1])) {
      request.admin = true;
      return;
    }
    const found = store.apiKeys.authenticate(match[1], new Date(now()));
    if (!found)
      throw ApiError.unauthorized(
        'The API key is not valid: it may have been revoked. Create a new one with `3cx-bridge key create`.',
      );
    const location = store.locations.get(found.locationId);
    if (!location) throw ApiError.unauthorized();
    request.location = location;
  });
}

/** The request's location (the auth hook guarantees it on `/v1` routes, but for the admin). */
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
