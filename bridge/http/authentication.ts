import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { ApiError } from './apiError';

declare module 'fastify' {
  interface FastifyRequest {
    /** The location the API key belongs to; set on every `/v1` route. */
    location: Location | null;
  }
}

/**
 * `Authorization: Bearer <key>` on every route of the scope. The key is looked up by its hash
 * (lib: bridge/secrets/apiKeys.ts); a revoked or unknown key is 401, never a hint which.
 */
export function requireApiKey(app: FastifyInstance, store: BridgeStore, now: () => number): void {
  app.decorateRequest('location', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw ApiError.unauthorized();
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

/** The request's location (the auth hook guarantees it on `/v1` routes). */
export function locationOf(request: FastifyRequest): Location {
  if (!request.location) throw ApiError.unauthorized();
  return request.location;
}
