import type { FastifyInstance } from 'fastify';
import { z, ZodError } from 'zod';
import {
  businessHoursView,
  enrichmentSettingsOf,
  sourceListsView,
  updateEnrichmentSettings,
} from '../../locationEnrichment';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { validate } from '../validate';

const sourceListsBody = z
  .object({
    lists: z.array(z.unknown()).max(200),
    default_list: z.string().nullable().optional(),
  })
  .strict();

const businessHoursBody = z
  .object({
    weekly: z.record(z.string(), z.unknown()).optional(),
    holidays: z.array(z.unknown()).max(500).optional(),
  })
  .strict();

/**
 * The location's workflow context settings: CRM source lists (the Zapier dropdown reads them)
 * and business hours. `PUT` replaces the whole setting; it is validated first, so a bad
 * request changes nothing.
 */
export function settingsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/source-lists', async (request) =>
    sourceListsView(enrichmentSettingsOf(locationOf(request))),
  );

  app.put('/v1/source-lists', async (request) => {
    const location = locationOf(request);
    const body = validate(sourceListsBody, request.body);
    const { settings } = applyOrReject(() =>
      updateEnrichmentSettings(ctx.store, location, {
        sourceLists: { lists: body.lists, defaultList: body.default_list ?? null },
      }),
    );
    return sourceListsView(settings);
  });

  app.get('/v1/business-hours', async (request) =>
    businessHoursView(enrichmentSettingsOf(locationOf(request)), ctx.now()),
  );

  app.put('/v1/business-hours', async (request) => {
    const location = locationOf(request);
    const body = validate(businessHoursBody, request.body);
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
  });
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
