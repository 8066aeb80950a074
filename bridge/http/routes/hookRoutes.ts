import { z } from 'zod';
import { CALL_EVENT_TYPES } from '../../../lib/callEvent';
import { eventFiltersSchema } from '../../../lib/eventFilters';
import { SubscriptionLimitError, type Subscription } from '../../store/subscriptions';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { API_KEY, errorResponses, idParam, noContent, type Api } from '../routeKit';
import { targetUrlSchema } from '../targetUrl';

const hookView = z
  .strictObject({
    id: z.string(),
    event: z.enum(CALL_EVENT_TYPES),
    target_url: z.string(),
    kind: z.enum(['rest_hook', 'webhook']),
    filters: eventFiltersSchema,
    created_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'Subscription' });

/** REST-hook subscriptions (Zapier `performSubscribe` / `performUnsubscribe`). */
export function hookRoutes(app: Api, ctx: ApiContext): void {
  const createBody = z.strictObject({
    target_url: targetUrlSchema({
      allowLoopback: ctx.allowLoopbackHttpTargets,
      allowPrivate: ctx.allowPrivateTargets,
    }),
    event: z.enum(CALL_EVENT_TYPES),
    filters: eventFiltersSchema.nullable().optional(),
  });

  app.post(
    '/v1/hooks',
    {
      schema: {
        summary: 'Subscribe a URL to one event type (Zapier REST hooks)',
        security: API_KEY,
        body: createBody,
        response: { 201: hookView, ...errorResponses(400, 401, 403, 409, 413, 415) },
      },
    },
    async (request, reply) => {
      const location = locationOf(request);
      const body = request.body;
      let subscription: Subscription;
      try {
        subscription = ctx.store.subscriptions.create(
          {
            locationId: location.id,
            kind: 'rest_hook',
            event: body.event,
            targetUrl: body.target_url,
            filters: body.filters ?? null,
          },
          new Date(ctx.now()),
          { maxActive: ctx.maxSubscriptionsPerLocation },
        );
      } catch (error) {
        if (error instanceof SubscriptionLimitError)
          throw new ApiError(409, 'subscription_limit', error.message);
        throw error;
      }
      return reply.status(201).send(toHookView(subscription));
    },
  );

  app.get(
    '/v1/hooks',
    {
      schema: {
        summary: "The location's active subscriptions",
        security: API_KEY,
        response: { 200: z.strictObject({ data: z.array(hookView) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      return { data: ctx.store.subscriptions.listActive(location.id).map(toHookView) };
    },
  );

  app.delete(
    '/v1/hooks/:id',
    {
      schema: {
        summary: 'Unsubscribe',
        security: API_KEY,
        params: idParam(100),
        response: { 204: noContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const location = locationOf(request);
      const removed = ctx.store.subscriptions.remove(
        location.id,
        request.params.id,
        'unsubscribed through the API',
        new Date(ctx.now()),
      );
      if (!removed) throw ApiError.notFound('Subscription');
      return reply.status(204).send();
    },
  );
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
