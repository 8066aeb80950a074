import { z } from 'zod';
import { locationOf } from '../authentication';
import { locationStatus } from '../locationStatus';
import type { ApiContext } from '../apiContext';
import { API_KEY, errorResponses, type Api } from '../routeKit';

const isoTime = z.string().meta({ format: 'date-time' });

const meAnswer = z.strictObject({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  country: z.string(),
  bridge_version: z.string(),
});

export const statusAnswer = z.strictObject({
  location: z.strictObject({ id: z.string(), name: z.string() }),
  source: z.enum(['xapi', 'journal']),
  poll: z
    .strictObject({
      last_poll_at: isoTime.nullable(),
      last_success_at: isoTime.nullable(),
      last_error: z.string().nullable(),
      consecutive_errors: z.number(),
      lag_seconds: z.number().nullable().describe('Seconds since the last successful poll.'),
      window_held_seconds: z
        .number()
        .nullable()
        .describe('How far back each poll still reads because calls are in progress.'),
      next_poll_at: isoTime.nullable(),
    })
    .nullable(),
  call_control: z
    .strictObject({
      state: z.enum(['off', 'no_access', 'connecting', 'connected', 'down']),
      since: isoTime.describe('When the current state began.'),
      reconnects: z.number(),
      events: z.number(),
      last_error: z.string().nullable(),
      monitored_dns: z.number().nullable(),
      fast_misses: z.number(),
      tracked_calls: z.number(),
    })
    .nullable()
    .describe("The location's Call Control stream (docs/api.md), null when the bridge has none."),
});

export function meRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/v1/me',
    {
      schema: {
        summary: "The key's location, for Zapier's connection test and label",
        security: API_KEY,
        response: { 200: meAnswer, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      return {
        id: location.id,
        name: location.name,
        timezone: location.timezone,
        country: location.country,
        bridge_version: ctx.version,
      };
    },
  );

  app.get(
    '/v1/status',
    {
      schema: {
        summary: "Is the location's PBX being polled, and how far behind is it",
        security: API_KEY,
        response: { 200: statusAnswer, ...errorResponses(401, 403) },
      },
    },
    async (request) => locationStatus(ctx, locationOf(request)),
  );
}
