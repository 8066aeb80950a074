import { z } from 'zod';
import { followUpReport } from '../../reports/followUpReport';
import { locationOverview } from '../../reports/overview';
import { reconcile } from '../../reports/reconciliation';
import { parseReportPeriod, ReportPeriodError } from '../../reports/reportPeriod';
import {
  followUpReportSchema,
  overviewSchema,
  reconciliationReportSchema,
} from '../../schemas/reports';
import { ApiError } from '../apiError';
import { answerPage, type ApiContext } from '../apiContext';
import { reportLocationsOf } from '../authentication';
import { API_KEY, errorResponses, type Api } from '../routeKit';

const periodParams = {
  since: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .optional()
    .describe('ISO 8601 date-time, or a duration back from now: 30d, 12h, 2w. Default 30d.'),
  until: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .optional()
    .describe('ISO 8601 date-time or a duration back from now. Default now.'),
  location: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe("The admin token's reports: one location (id or name) instead of all."),
};

/** A 3CX report reads a month at most (the PBX answers longer periods slowly, or 504). */
const RECONCILIATION_MAX_DAYS = 31;

/**
 * Reports (bridge/reports): the follow-up figures, the reconciliation with 3CX's own count, and
 * the dashboard's overview. A location's key sees its location; the admin token (`BRIDGE_ADMIN_TOKEN`)
 * every location, or one with `?location=`.
 */
export function reportRoutes(app: Api, ctx: ApiContext): void {
  const period = (query: { since?: string; until?: string }, maxDays?: number) => {
    try {
      return parseReportPeriod(query, ctx.now(), maxDays);
    } catch (error) {
      if (error instanceof ReportPeriodError)
        throw new ApiError(400, 'invalid_request', error.message);
      throw error;
    }
  };

  app.get(
    '/v1/reports/follow-up',
    {
      schema: {
        summary:
          'Did the follow-up work: missed, fired, delivered per subscription, reply, call-back and recovery rates, time to call back',
        security: API_KEY,
        querystring: z.strictObject({
          ...periodParams,
          group: z
            .enum(['day', 'week'])
            .default('week')
            .describe('Rows per local day or ISO week.'),
        }),
        response: { 200: followUpReportSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const locations = reportLocationsOf(request, ctx.store, request.query.location);
      return answerPage(ctx, reply, () =>
        reply.serialize(
          followUpReport(ctx.store, locations, period(request.query), request.query.group, {
            acrossLocations: request.admin,
          }),
        ),
      );
    },
  );

  app.get(
    '/v1/reports/reconciliation',
    {
      schema: {
        summary:
          "3CX's own count of unanswered inbound calls against call.missed fired and delivered, the gap line by line",
        security: API_KEY,
        querystring: z.strictObject({ ...periodParams }),
        response: { 200: reconciliationReportSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const locations = reportLocationsOf(request, ctx.store, request.query.location);
      const p = period(
        { since: request.query.since ?? '7d', until: request.query.until },
        RECONCILIATION_MAX_DAYS,
      );
      return {
        period: {
          since: new Date(p.sinceMs).toISOString(),
          until: new Date(p.untilMs).toISOString(),
        },
        // One location at a time: each asks its own PBX, and one slow PBX delays only its line.
        locations: await Promise.all(
          locations.map((location) =>
            reconcile(ctx.store, location, p, ctx.inboundCallsOf(location.id)),
          ),
        ),
      };
    },
  );

  app.get(
    '/v1/reports/overview',
    {
      schema: {
        summary:
          "The dashboard at a glance: each location's health and this week's missed calls with their follow-up",
        security: API_KEY,
        querystring: z.strictObject({ location: periodParams.location }),
        response: { 200: overviewSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const now = ctx.now();
      const locations = reportLocationsOf(request, ctx.store, request.query.location);
      return {
        generated_at: new Date(now).toISOString(),
        admin: request.admin,
        locations: locations.map((location) => locationOverview(ctx.store, ctx, location, now)),
      };
    },
  );
}
