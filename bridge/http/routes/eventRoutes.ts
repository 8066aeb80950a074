import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CALL_EVENT_TYPES } from '../../../lib/callEvent';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { validate } from '../validate';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const feedQuery = z
  .object({
    event: z.enum(CALL_EVENT_TYPES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(100).optional(),
    include_suppressed: booleanFlag.optional(),
    source_list: z.string().trim().min(1).max(100).optional(),
    business_hours: z.enum(['in_hours', 'after_hours']).optional(),
    skip_voicemail_left: booleanFlag.optional(),
    repeat: z.enum(['first', 'repeat']).optional(),
    exclude_known_contacts: booleanFlag.optional(),
  })
  .strict();

/** The event feed: newest first, exactly the payload the hooks deliver. */
export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/events', async (request) => {
    const location = locationOf(request);
    const q = validate(feedQuery, request.query, 'query');
    const { events, nextCursor } = ctx.store.events.feed(location.id, {
      type: q.event,
      limit: q.limit,
      cursor: q.cursor,
      includeSuppressed: q.include_suppressed,
      filters: {
        source_list: q.source_list,
        business_hours: q.business_hours,
        skip_voicemail_left: q.skip_voicemail_left,
        repeat: q.repeat,
        exclude_known_contacts: q.exclude_known_contacts,
      },
    });
    return {
      data: events.map((e) =>
        e.suppressed
          ? { ...e.event, suppressed: true, suppressed_reason: e.suppressedReason }
          : e.event,
      ),
      next_cursor: nextCursor,
    };
  });

  /** Every delivery of one event, with each attempt: what happened to it. */
  app.get('/v1/events/:id/deliveries', async (request) => {
    const location = locationOf(request);
    const { id } = validate(z.object({ id: z.string().min(1).max(300) }), request.params);
    const stored = ctx.store.events.get(location.id, id);
    if (!stored) throw ApiError.notFound('Event');
    return {
      event_id: id,
      data: ctx.store.deliveries.history(location.id, stored.seq).map((d) => ({
        subscription_id: d.subscriptionId,
        status: d.status,
        attempts: d.attempts.map((a) => ({
          attempt: a.attempt,
          at: new Date(a.at).toISOString(),
          status_code: a.statusCode,
          error: a.error,
          duration_ms: a.durationMs,
        })),
      })),
    };
  });
}
