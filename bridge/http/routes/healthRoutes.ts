import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../apiContext';

/** Unauthenticated: for load balancers and Prometheus. They reveal no location data. */
export function healthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', async () => {
    const polls = ctx.pollStatus();
    return {
      status: 'ok',
      version: ctx.version,
      locations_polled: polls.length,
      locations_failing: polls.filter((p) => p.consecutiveErrors > 0).length,
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
}
