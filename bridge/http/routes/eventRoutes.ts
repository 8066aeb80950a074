import { z } from 'zod';
import { CALL_EVENT_TYPES } from '../../../lib/callEvent';
import { eventFiltersSchema } from '../../../lib/eventFilters';
import { callEventSchema } from '../../schemas/callEvent';
import { callFollowUpEventSchema, callUpdatedEventSchema } from '../../schemas/callUpdatedEvent';
import type { FeedEventText } from '../../store/outbox';
import { ApiError } from '../apiError';
import { answerPage, type ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import {
  API_KEY,
  booleanFlag,
  cursorParam,
  errorResponses,
  idParam,
  nextCursor,
  pageLimit,
  type Api,
} from '../routeKit';

/** The hooks' filters (lib/eventFilters.ts) as query parameters: the same names and values. */
const filterParams = eventFiltersSchema.extend({
  skip_voicemail_left: booleanFlag.optional(),
  exclude_known_contacts: booleanFlag.optional(),
}).shape;

const feedQuery = z.strictObject({
  event: z.enum(CALL_EVENT_TYPES).optional(),
  limit: pageLimit,
  cursor: cursorParam.optional(),
  include_suppressed: booleanFlag
    .optional()
    .describe('Also list events the dialler cooldown suppressed (marked `suppressed`).'),
  ...filterParams,
});

const suppression = {
  suppressed: z.literal(true).optional(),
  suppressed_reason: z.string().nullable().optional(),
};
/**
 * One item of a feed page. fastify checks every answer against its schema before sending it,
 * and a zod union tries its options in order, each to the end: a plain event (call.started,
 * call.ended, call.missed: nearly every item of a feed) was checked against the two richer
 * shapes first and failed both, their issues allocated and thrown away. Its own shape comes
 * first now; `call.updated` and the follow-up events fail it on their extra keys (strict
 * objects) and match theirs, so every item still matches exactly one option. A 100-event page
 * took 0.85 ms to check before, 0.13 ms after, on the event loop of every feed request
 * (issue 16: no stall over 50 ms; BENCHMARKS.md "stall2", 2026-12-04).
 */
export const feedItem = z.union([
  callEventSchema.extend(suppression),
  callUpdatedEventSchema.extend(suppression),
  callFollowUpEventSchema.extend(suppression),
]);

/**
 * The feed's answer (200) as written: each event's stored JSON as the store checked it
 * (`EventOutbox.feedTexts`, bridge/store/storedJson.ts `CheckedJsonTexts`), the suppression
 * fields appended to a suppressed one, the page around them. Byte for byte what
 * `JSON.stringify` wrote of the parsed events (test/http/feedItem.test.ts), without parsing,
 * checking and serialising each event again on every request: the feed's clients poll its
 * newest page over and over, and that held the event loop ~0.5 ms a 100-event page (issue 16:
 * no stall over 50 ms; BENCHMARKS.md "stall3", "stall4"). Its items are what the store checked
 * against the shapes of `feedItem`, so the route's schema (and OpenAPI) stays the answer's
 * description; errors are written and checked by the route's serializer as every answer is.
 */
export function feedPageText(page: {
  events: readonly FeedEventText[];
  nextCursor: string | null;
}): string {
  const items = page.events.map((e) =>
    e.suppressed
      ? // `{ ...event, suppressed: true, suppressed_reason }`: the event's keys, then these.
        `${e.text.slice(0, -1)},"suppressed":true,"suppressed_reason":${JSON.stringify(e.suppressedReason)}}`
      : e.text,
  );
  return `{"data":[${items.join(',')}],"next_cursor":${JSON.stringify(page.nextCursor)}}`;
}

/** A page of the feed (`GET /v1/events`). */
export const feedPage = z.strictObject({ data: z.array(feedItem), next_cursor: nextCursor });

const deliveriesAnswer = z.strictObject({
  event_id: z.string(),
  data: z.array(
    z.strictObject({
      subscription_id: z.string(),
      status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
      attempts: z.array(
        z.strictObject({
          attempt: z.number(),
          at: z.string().meta({ format: 'date-time' }),
          status_code: z.number().nullable(),
          error: z.string().nullable(),
          duration_ms: z.number(),
        }),
      ),
    }),
  ),
});

/** The event feed: newest first, exactly the payload the hooks deliver. */
export function eventRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/v1/events',
    {
      schema: {
        summary: 'The event feed, newest first (Zapier performList, Make polling)',
        security: API_KEY,
        querystring: feedQuery,
        response: {
          200: feedPage,
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const location = locationOf(request);
      const { event, limit, cursor, include_suppressed, ...filters } = request.query;
      return answerPage(ctx, reply, () =>
        feedPageText(
          ctx.store.events.feedTexts(location.id, {
            type: event,
            limit,
            cursor,
            includeSuppressed: include_suppressed,
            filters,
          }),
        ),
      );
    },
  );

  app.get(
    '/v1/events/:id/deliveries',
    {
      schema: {
        summary: 'Every delivery of one event, with each attempt',
        security: API_KEY,
        params: idParam(300),
        response: { 200: deliveriesAnswer, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      const { id } = request.params;
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
    },
  );
}
