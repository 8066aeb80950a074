import { z } from 'zod';
import { CALL_EVENT_TYPES } from '../../../lib/callEvent';
import { anyCallEventSchema } from '../../schemas/callUpdatedEvent';
import { sendTestEvent, TestEventError } from '../../testEvents';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { API_KEY, errorResponses, type Api } from '../routeKit';

const testEventBody = z
  .strictObject({
    event: z.enum(CALL_EVENT_TYPES).default('call.missed'),
    source_list: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .optional()
      .describe("The caller dialled this list's first number (default: the first list's)."),
  })
  .default({ event: 'call.missed' });

/**
 * `POST /v1/test-events`: the API's `3cx-bridge test-event` (bridge/testEvents.ts), so a Zapier
 * or Make user can test a workflow before the location's first real call.
 */
export function testEventRoutes(app: Api, ctx: ApiContext): void {
  app.post(
    '/v1/test-events',
    {
      schema: {
        summary: 'Send a realistic test event (marked "test": true) through the real pipeline',
        security: API_KEY,
        body: testEventBody,
        response: {
          201: z.strictObject({
            event: anyCallEventSchema,
            subscriptions: z.number().int().describe('Subscriptions to this event type.'),
            deliveries: z.number().int().describe('How many of them will receive it.'),
          }),
          ...errorResponses(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const location = locationOf(request);
      const body = request.body;
      let result;
      try {
        result = sendTestEvent(
          ctx.store,
          location,
          { event: body.event, sourceList: body.source_list },
          { now: ctx.now(), publicUrl: ctx.publicUrl() },
        );
      } catch (err) {
        if (err instanceof TestEventError)
          throw new ApiError(400, 'invalid_request', `source_list: ${err.message}`, [
            { path: 'source_list', message: err.message },
          ]);
        throw err;
      }
      ctx.eventsStored();
      return reply.status(201).send({
        event: result.event,
        subscriptions: result.subscriptions,
        deliveries: result.deliveries,
      });
    },
  );
}
