import { z } from 'zod';
import { callRecordPatchSchema, withReplyTime } from '../../../lib/callRecord';
import { phoneNumberKey } from '../../../lib/phoneNumber';
import { announceCallUpdate } from '../../callUpdatedEvents';
import { callRecordSchema } from '../../schemas/callRecord';
import { ApiError } from '../apiError';
import { answerPage, type ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { toCallRecord } from '../callRecordView';
import {
  API_KEY,
  cursorParam,
  errorResponses,
  idParam,
  nextCursor,
  pageLimit,
  type Api,
} from '../routeKit';

const listQuery = z.strictObject({
  limit: pageLimit,
  cursor: cursorParam.optional(),
  outcome: z.enum(['answered', 'voicemail', 'abandoned', 'missed']).optional(),
  direction: z.enum(['inbound', 'outbound', 'internal']).optional(),
  status: z.enum(['live', 'ended']).optional(),
  number: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .optional()
    .describe('Calls with this outside number, written any way (Find Call).'),
});

/** Calls list/get/patch: the Update Call Record action writes back here. */
export function callRoutes(app: Api, ctx: ApiContext): void {
  app.get(
    '/v1/calls',
    {
      schema: {
        summary: 'Call records, newest first',
        security: API_KEY,
        querystring: listQuery,
        response: {
          200: z.strictObject({ data: z.array(callRecordSchema), next_cursor: nextCursor }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const location = locationOf(request);
      const { number, ...q } = request.query;
      let numberKey: string | undefined;
      if (number !== undefined) {
        // The same E.164 key the calls are stored under (docs/3cx-facts.md §5); a number that is
        // not an outside number matches no call.
        numberKey = phoneNumberKey(number, { country: location.country }) ?? undefined;
        if (!numberKey?.startsWith('+')) return { data: [], next_cursor: null };
      }
      return answerPage(ctx, reply, () => {
        const { calls, nextCursor } = ctx.store.calls.list(location.id, { ...q, numberKey });
        return reply.serialize({
          data: calls.map((c) => toCallRecord(c, location, ctx.publicUrl())),
          next_cursor: nextCursor,
        });
      });
    },
  );

  app.get(
    '/v1/calls/:id',
    {
      schema: {
        summary: 'One call record',
        security: API_KEY,
        params: idParam(200),
        response: { 200: callRecordSchema, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      const call = ctx.store.calls.get(location.id, request.params.id);
      if (!call) throw ApiError.notFound('Call');
      return toCallRecord(call, location, ctx.publicUrl());
    },
  );

  app.patch(
    '/v1/calls/:id',
    {
      schema: {
        summary:
          'Update Call Record: disposition, notes, tags, follow-up, contact, custom fields, reply time',
        security: API_KEY,
        params: idParam(200),
        body: callRecordPatchSchema,
        response: { 200: callRecordSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const location = locationOf(request);
      const { id } = request.params;
      const now = ctx.now();
      let announced = false;
      const updated = ctx.store.transaction(() => {
        const before = ctx.store.calls.get(location.id, id);
        const patch = withReplyTime(request.body, { replied_at: before?.repliedAt ?? null }, now);
        const call = before && ctx.store.calls.patch(location.id, id, patch, now);
        if (before && call) {
          const context = { now, publicUrl: ctx.publicUrl() };
          announced = announceCallUpdate(ctx.store, location, before, call, context) !== null;
        }
        // Setting a contact teaches the bridge this number: 3CX lookups, `known_contact` later.
        const numberKey = call?.facts.external_number;
        if (call && numberKey && (patch.contact_id || patch.contact_name || patch.contact_url)) {
          ctx.store.contacts.upsert(
            location.id,
            {
              numberKey,
              contactId: patch.contact_id ?? null,
              name: patch.contact_name ?? null,
              company: null,
              email: null,
              url: patch.contact_url ?? null,
              source: 'update_call_record',
            },
            now,
          );
        }
        return call;
      });
      if (!updated) throw ApiError.notFound('Call');
      if (announced) ctx.eventsStored();
      return toCallRecord(updated, location, ctx.publicUrl());
    },
  );
}
