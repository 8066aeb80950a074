import type { FastifyInstance } from 'fastify';
import { locationOf } from '../authentication';
import type { ApiContext } from '../apiContext';

/** `GET /v1/me`: the key's location, for Zapier's connection test and label. */
export function meRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/me', async (request) => {
    const location = locationOf(request);
    return {
      id: location.id,
      name: location.name,
      timezone: location.timezone,
      country: location.country,
      bridge_version: ctx.version,
    };
  });

  /** `GET /v1/status`: is this location's PBX being polled, and how far behind is it. */
  app.get('/v1/status', async (request) => {
    const location = locationOf(request);
    const poll = ctx.pollStatus().find((s) => s.locationId === location.id) ?? null;
    return {
      location: { id: location.id, name: location.name },
      source: location.pbxUrl ? 'xapi' : 'journal',
      poll: poll && {
        last_poll_at: poll.lastPollAt,
        last_success_at: poll.lastSuccessAt,
        last_error: poll.lastError,
        consecutive_errors: poll.consecutiveErrors,
        lag_seconds: poll.lagSeconds,
        window_held_seconds: poll.windowHeldSeconds,
        next_poll_at: poll.nextPollAt,
      },
      call_control: ctx.callControlStatus?.(location.id) ?? null,
    };
  });
}
