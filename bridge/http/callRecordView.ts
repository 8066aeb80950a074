import { buildCallEvent, type CallFollowUp } from '../../lib/callEvent';
import type { CallRecord } from '../../lib/callRecord';
import type { StoredCall } from '../store/calls';
import type { Location } from '../store/locations';

export function recordUrl(publicUrl: string, callId: string): string {
  return `${publicUrl}/v1/calls/${encodeURIComponent(callId)}`;
}

/** A stored call as the API shows it (`CallRecord`, lib/callRecord.ts). */
export function toCallRecord(call: StoredCall, location: Location, publicUrl: string): CallRecord {
  const {
    id: _id,
    event: _event,
    occurred_at: _at,
    test: _test,
    ...facts
  } = buildCallEvent(call.status === 'ended' ? 'call.ended' : 'call.started', call.facts, {
    location: { id: location.id, name: location.name },
    enrichment: call.enrichment ?? undefined,
    recordUrl: recordUrl(publicUrl, call.callId),
  });
  return {
    ...facts,
    id: call.callId,
    status: call.status,
    attempts: call.attempts,
    contact_id: call.contactId ?? facts.contact_id,
    contact_url: call.contactUrl ?? facts.contact_url,
    contact_name: call.contactName ?? call.enrichment?.contact_name ?? null,
    disposition: call.disposition,
    notes: call.notes,
    tags: call.tags,
    follow_up_status: call.followUpStatus,
    custom_fields: call.customFields,
    replied_at: call.repliedAt,
    ...followUpView(call),
    created_at: call.createdAt,
    updated_at: call.updatedAt,
  };
}

/** The record's follow-up fields (`CallFollowUp`, lib/callEvent.ts). */
export function followUpView(call: StoredCall): CallFollowUp {
  const { dueAtMs: _dueAtMs, ...followUp } = call.followUp;
  return followUp;
}
