import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { ApiContext } from '../apiContext';
import { ApiError } from '../apiError';
import { bearerToken } from '../authentication';
import { errorResponses, METRICS_TOKEN, type Api } from '../routeKit';

const healthAnswer = z.strictObject({
  status: z.literal('ok'),
  version: z.string(),
  locations_polled: z.number(),
  locations_failing: z.number(),
});

/**
 * For load balancers and Prometheus, without an API key. Health reveals no location data.
 * Metrics are labelled with location ids: with `BRIDGE_METRICS_TOKEN` set they need
 * `Authorization: Bearer <token>` (Prometheus: `authorization: {credentials: …}`), and a wrong
 * token counts as a failed authentication (rateLimits.ts).
 */
export function healthRoutes(app: Api, ctx: ApiContext): void {
  const token = ctx.metricsToken ? digest(ctx.metricsToken) : null;
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
        summary:
          'Prometheus metrics in the text format (no API key; the metrics token when the bridge sets one)',
        produces: ['text/plain'],
        security: METRICS_TOKEN,
        response: {
          200: z.string().describe('Prometheus text exposition format.'),
          ...errorResponses(401),
        },
      },
    },
    async (request, reply) => {
      if (token) {
        const sent = bearerToken(request);
        if (!sent || !timingSafeEqual(digest(sent), token)) {
          await app.requestLimits.authFailed(request);
          throw ApiError.unauthorized(
            'This bridge protects /metrics: send "Authorization: Bearer <BRIDGE_METRICS_TOKEN>".',
          );
        }
      }
      reply.header('content-type', ctx.metrics.registry.contentType);
      return ctx.metrics.text();
    },
  );
}

/** Equal-length digests, so comparing them takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
