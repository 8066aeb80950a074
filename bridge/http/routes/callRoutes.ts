import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { callRecordPatchSchema } from '../../../lib/callRecord';
import { ApiError } from '../apiError';
import type { ApiContext } from '../apiContext';
import { locationOf } from '../authentication';
import { toCallRecord } from '../callRecordView';
import { validate } from '../validate';

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(100).optional(),
    outcome: z.enum(['answered', 'voicemail', 'abandoned', 'missed']).optional(),
    direction: z.enum(['inbound', 'outbound', 'internal']).optional(),
    status: z.enum(['live', 'ended']).optional(),
  })
  .strict();

const idParams = z.object({ id: z.string().min(1).max(200) });

/** Calls list/get/patch: the Update Call Record action writes back here. */
export function callRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/calls', async (request) => {
    const location = locationOf(request);
    const q = validate(listQuery, request.query, 'query');
    const { calls, nextCursor } = ctx.store.calls.list(location.id, q);
    return {
      data: calls.map((c) => toCallRecord(c, location, ctx.publicUrl)),
      next_cursor: nextCursor,
    };
  });

  app.get('/v1/calls/:id', async (request) => {
    const location = locationOf(request);
    const { id } = validate(idParams, request.params);
    const call = ctx.store.calls.get(location.id, id);
    if (!call) throw ApiError.notFound('Call');
    return toCallRecord(call, location, ctx.publicUrl);
  });

  app.patch('/v1/calls/:id', async (request) => {
    const location = locationOf(request);
    const { id } = validate(idParams, request.params);
    const patch = validate(callRecordPatchSchema, request.body);
    const now = ctx.now();
    const updated = ctx.store.transaction(() => {
      const call = ctx.store.calls.patch(location.id, id, patch, now);
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
    return toCallRecord(updated, location, ctx.publicUrl);
  });
}
