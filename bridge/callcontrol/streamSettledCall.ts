import { normalisePhoneNumber } from '../../lib/phoneNumber';
import type { CallFacts } from '../../lib/settledCall';
import { toIsoUtc } from '../../lib/utcTime';
import type { TrackedCall } from './streamCallTracker';

/**
 * What the stream knows of an inbound call, as its facts (`CallFacts`), so that it takes the poller's
 * path from here (enrichment, outbox, delivery). The stream knows who called, which monitored
 * extensions rang and the queue, stamped on receipt (docs/3cx-facts.md §2.4: no timestamps);
 * not the DID (`party_did` is empty for inbound calls, §2.3), durations from the call log, or
 * names of queues. What it does not know is left empty; the poller's later view of the same call
 * fills it in on the call record, without new events (callControlService.ts).
 *
 * `ended` null: the call as `call.started` describes it (still ringing).
 */
export function streamSettledCall(
  call: TrackedCall,
  callId: string,
  options: { country: string; endedAt: number | null },
): CallFacts {
  const caller = normalisePhoneNumber(call.callerNumber, { country: options.country });
  const startedAt = call.firstRingAt ?? call.lastChangeAt;
  const endedAt = options.endedAt ?? startedAt;
  const firstAgent = call.agentsRung[0] ?? null;
  return {
    call_id: callId,
    direction: 'inbound',
    outcome: 'missed',
    voicemail: false,
    voicemail_left: false,
    voicemail_seconds: 0,
    caller_number: caller.number,
    caller_number_raw: caller.raw,
    caller_anonymous: caller.kind === 'anonymous',
    caller_name: call.callerName || null,
    callee_number: call.queue ?? firstAgent,
    callee_number_raw: call.queue ?? firstAgent ?? '',
    callee_name: null,
    external_number: caller.kind === 'external' ? caller.number : null,
    dialed_number: null,
    queue: call.queue,
    queue_name: null,
    agents_rung: [...call.agentsRung],
    answered_by: null,
    answered_by_name: null,
    started_at: toIsoUtc(startedAt),
    ended_at: toIsoUtc(endedAt),
    ring_seconds: Math.max(0, Math.round((endedAt - startedAt) / 1000)),
    talk_seconds: 0,
    // No call-log legs: the stream reports participants, not legs.
    leg_count: 0,
  };
}
