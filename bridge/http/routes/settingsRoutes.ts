import { z, ZodError } from 'zod';
import {
  holidaySchema,
  sourceListIdSchema,
  sourceListSchema,
  weeklyScheduleSchema,
} from '../../../lib/enrichment';
import {
  businessHoursView,
  enrichmentSettingsOf,
  sourceListsView,
  updateEnrichmentSettings,
} from '../../locationEnrichment';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { API_KEY, errorResponses, type Api } from '../routeKit';

const sourceListsBody = z.strictObject({
  lists: z.array(sourceListSchema).max(200),
  default_list: sourceListIdSchema
    .nullable()
    .optional()
    .describe('The list for calls to a number no list names; null: no list.'),
});

const sourceListsAnswer = z.strictObject({
  data: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      dialed_numbers: z.array(z.string()),
      default: z.boolean(),
    }),
  ),
  default_list: z.string().nullable(),
});

const businessHoursBody = z.strictObject({
  weekly: weeklyScheduleSchema
    .optional()
    .describe('Opening intervals per weekday; a day left out is closed. Left out: Mon–Fri 09–17.'),
  holidays: z.array(holidaySchema).max(500).optional(),
});

const businessHoursAnswer = z.strictObject({
  timezone: z.string(),
  weekly: weeklyScheduleSchema,
  holidays: z.array(holidaySchema),
  now: z.strictObject({
    in_business_hours: z.boolean(),
    branch: z.enum(['in_hours', 'after_hours']),
  }),
});

/**
 * The location's workflow context settings: CRM source lists (the Zapier dropdown reads them)
 * and business hours. `PUT` replaces the whole setting; it is validated first, so a bad
 * request changes nothing.
 */
export function settingsRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/v1/source-lists',
    {
      schema: {
        summary: "The location's CRM source lists, for dropdowns",
        security: API_KEY,
        response: { 200: sourceListsAnswer, ...errorResponses(401, 403) },
      },
    },
    async (request) => sourceListsView(enrichmentSettingsOf(locationOf(request))),
  );

  app.put(
    '/v1/source-lists',
    {
      schema: {
        summary: "Replace the location's CRM source lists",
        security: API_KEY,
        body: sourceListsBody,
        response: { 200: sourceListsAnswer, ...errorResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      const body = request.body;
      const { settings } = applyOrReject(() =>
        updateEnrichmentSettings(ctx.store, location, {
          sourceLists: { lists: body.lists, defaultList: body.default_list ?? null },
        }),
      );
      return sourceListsView(settings);
    },
  );

  app.get(
    '/v1/business-hours',
    {
      schema: {
        summary: "The location's business hours, and whether it is open now",
        security: API_KEY,
        response: { 200: businessHoursAnswer, ...errorResponses(401, 403) },
      },
    },
    async (request) => businessHoursView(enrichmentSettingsOf(locationOf(request)), ctx.now()),
  );

  app.put(
    '/v1/business-hours',
    {
      schema: {
        summary: "Replace the location's business hours (in the location's time zone)",
        security: API_KEY,
        body: businessHoursBody,
        response: { 200: businessHoursAnswer, ...errorResponses(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      const body = request.body;
      const { settings } = applyOrReject(() =>
        updateEnrichmentSettings(ctx.store, location, {
          businessHours: {
            timezone: location.timezone,
            weekly: body.weekly,
            holidays: body.holidays ?? [],
          },
        }),
      );
      return businessHoursView(settings, ctx.now());
    },
  );
}

function applyOrReject<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ZodError) {
      // Paths inside the stored settings, as the API names them.
      const renamed = new ZodError(
        error.issues.map((i) => ({
          ...i,
          path: i.path
            .map((p) => (p === 'defaultList' ? 'default_list' : p))
            .filter((p) => p !== 'sourceLists' && p !== 'businessHours'),
        })),
      );
      throw ApiError.fromZod(renamed);
    }
    throw error;
  }
}
