import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CALL_EVENT_TYPES } from '../../../lib/callEvent';
import { sendTestEvent, TestEventError } from '../../testEvents';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { validate } from '../validate';

const testEventBody = z
  .object({
    event: z.enum(CALL_EVENT_TYPES).default('call.missed'),
    source_list: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

/**
 * `POST /v1/test-events`: the API's `3cx-bridge test-event` (bridge/testEvents.ts), so a Zapier
 * or Make user can test a workflow before the location's first real call.
 */
export function testEventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/v1/test-events', async (request, reply) => {
    const location = locationOf(request);
    const body = validate(testEventBody, request.body ?? {});
    let result;
    try {
      result = sendTestEvent(
        ctx.store,
        location,
        { event: body.event, sourceList: body.source_list },
        { now: ctx.now(), publicUrl: ctx.publicUrl },
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
  });
}
