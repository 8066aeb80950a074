import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CALL_EVENT_TYPES } from '../../../lib/callEvent';
import { eventFiltersSchema } from '../../../lib/eventFilters';
import type { Subscription } from '../../store/subscriptions';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { targetUrlSchema } from '../targetUrl';
import { validate } from '../validate';

const idParams = z.object({ id: z.string().min(1).max(100) });

/** REST-hook subscriptions (Zapier `performSubscribe` / `performUnsubscribe`). */
export function hookRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const createBody = z
    .object({
      target_url: targetUrlSchema(ctx.allowLoopbackHttpTargets),
      event: z.enum(CALL_EVENT_TYPES),
      filters: eventFiltersSchema.nullable().optional(),
    })
    .strict();

  app.post('/v1/hooks', async (request, reply) => {
    const location = locationOf(request);
    const body = validate(createBody, request.body);
    const subscription = ctx.store.subscriptions.create(
      {
        locationId: location.id,
        kind: 'rest_hook',
        event: body.event,
        targetUrl: body.target_url,
        filters: body.filters ?? null,
      },
      new Date(ctx.now()),
    );
    return reply.status(201).send(toHookView(subscription));
  });

  app.get('/v1/hooks', async (request) => {
    const location = locationOf(request);
    return { data: ctx.store.subscriptions.listActive(location.id).map(toHookView) };
  });

  app.delete('/v1/hooks/:id', async (request, reply) => {
    const location = locationOf(request);
    const { id } = validate(idParams, request.params);
    if (
      !ctx.store.subscriptions.remove(
        location.id,
        id,
        'unsubscribed through the API',
        new Date(ctx.now()),
      )
    ) {
      throw ApiError.notFound('Subscription');
    }
    return reply.status(204).send();
  });
}

export function toHookView(s: Subscription) {
  return {
    id: s.id,
    event: s.event,
    target_url: s.targetUrl,
    kind: s.kind,
    filters: s.filters ?? {},
    created_at: s.createdAt,
  };
}
