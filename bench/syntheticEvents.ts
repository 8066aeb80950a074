import {
  buildCallEvent,
  type CallEnrichment,
  type CallEvent,
  type CallEventType,
} from '../lib/callEvent';
import type { CallFacts } from '../lib/settledCall';

/** When the synthetic calls begin, unless `startMs` says otherwise: subscribe before it. */
export const SYNTHETIC_EVENTS_FROM = Date.UTC(2026, 2, 2, 9);

/**
 * Stored-event fixtures for the store benchmark and the feed tests: `count` events of one
 * location, every trigger filter's field varied by a cheap deterministic pattern (so each
 * filter value matches a different, known subset), as `LocationIngest` would append them.
 */
export function syntheticEvents(
  count: number,
  options: { locationId?: string; sourceLists?: readonly string[]; startMs?: number } = {},
): CallEvent[] {
  const lists = options.sourceLists ?? ['sales', 'support', 'billing'];
  const start = options.startMs ?? SYNTHETIC_EVENTS_FROM;
  const location = { id: options.locationId ?? 'loc_bench', name: 'Bench Office' };
  const types: CallEventType[] = ['call.started', 'call.ended', 'call.missed'];
  const events: CallEvent[] = [];
  for (let i = 0; i < count; i++) {
    const startedMs = start + i * 60_000;
    // The type cycles with i; the filter fields with k, so every combination occurs.
    const k = Math.floor(i / types.length);
    // Co-prime moduli: every combination of filter values occurs, none tied to another.
    const call = syntheticCall(i, startedMs, {
      voicemail: k % 4 === 2,
      voicemailLeft: k % 4 === 2 && k % 5 === 0,
    });
    const enrichment: CallEnrichment = {
      source_list: k % 7 === 6 ? null : lists[k % lists.length],
      in_business_hours: k % 5 !== 0,
      branch: k % 5 === 0 ? 'after_hours' : 'in_hours',
      next_open_at: new Date(startedMs).toISOString(),
      missed_count_7d: 1 + (k % 3),
      is_repeat_miss: k % 13 < 8,
      last_missed_at: null,
      known_contact: k % 11 === 1,
      contact_id: null,
      contact_url: null,
      contact_name: null,
      attempts: 1,
    };
    events.push(
      buildCallEvent(types[i % types.length], call, {
        location,
        enrichment,
        recordUrl: `https://bridge.example.com/v1/calls/${call.call_id}`,
      }),
    );
  }
  return events;
}

/** The `i`th synthetic inbound call (missed, or voicemail), started at `startedMs`. */
export function syntheticCall(
  i: number,
  startedMs: number,
  options: { voicemail?: boolean; voicemailLeft?: boolean } = {},
): CallFacts {
  const voicemail = options.voicemail ?? false;
  const number = `+614123${String(i % 10_000).padStart(5, '0')}`;
  return {
    call_id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    direction: 'inbound',
    outcome: voicemail ? 'voicemail' : 'missed',
    voicemail,
    voicemail_left: options.voicemailLeft ?? false,
    voicemail_seconds: voicemail ? 30 : 0,
    caller_number: number,
    caller_number_raw: number,
    caller_anonymous: false,
    caller_name: null,
    callee_number: '8001',
    callee_number_raw: '8001',
    callee_name: 'Sales',
    external_number: number,
    dialed_number: '+61881234501',
    queue: '8001',
    queue_name: 'Sales',
    agents_rung: ['101', '102'],
    answered_by: null,
    answered_by_name: null,
    started_at: new Date(startedMs).toISOString(),
    ended_at: new Date(startedMs + 30_000).toISOString(),
    ring_seconds: 30,
    talk_seconds: 0,
    leg_count: 3,
  };
}
