import type { Location } from '../store/locations';
import type { ApiContext } from './apiContext';

/**
 * Is a location's PBX being read, and how far behind is it: `GET /v1/status` and the
 * dashboard's health panel show the same thing.
 */
export function locationStatus(
  ctx: Pick<ApiContext, 'pollStatus' | 'callControlStatus'>,
  location: Location,
) {
  const poll = ctx.pollStatus().find((s) => s.locationId === location.id) ?? null;
  return {
    location: { id: location.id, name: location.name },
    source: location.pbxUrl ? ('xapi' as const) : ('journal' as const),
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
}
