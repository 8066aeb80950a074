import { z } from 'zod';
import type { ApiContext } from '../apiContext';
import type { Api } from '../routeKit';

const healthAnswer = z.strictObject({
  status: z.literal('ok'),
  version: z.string(),
  locations_polled: z.number(),
  locations_failing: z.number(),
});

/** Unauthenticated: for load balancers and Prometheus. They reveal no location data. */
export function healthRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/healthz',
    { schema: { summary: 'Is the bridge up (no key needed)', response: { 200: healthAnswer } } },
    async () => {
      const polls = ctx.pollStatus();
      return {
        status: 'ok' as const,
        version: ctx.version,
        locations_polled: polls.length,
        locations_failing: polls.filter((p) => p.consecutiveErrors > 0).length,
      };
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics in the text format (no key needed)',
        produces: ['text/plain'],
        response: { 200: z.string().describe('Prometheus text exposition format.') },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );
}
