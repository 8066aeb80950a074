import type { LegFacts } from './legFacts';
import { normalisePhoneNumber, type NormalisedNumber } from './phoneNumber';
import type { CallDirection, CallOutcome, SettledCall } from './settledCall';
import { toIsoUtc } from './utcTime';

export interface ClassifyOptions {
  country?: string;
  voicemailLeftSeconds?: number;
  dialedNumber?: string | null;
}

export const DEFAULT_VOICEMAIL_LEFT_SECONDS = 10;

/**
 * What happened to one call, from its legs in order (docs/design.md "Classify", docs/3cx-facts.md §1.5):
 *
 * - direction: `inbound` when an outside party placed the call (a leg from an external party),
 *   `outbound` when an extension called out, otherwise `internal`;
 * - `answered` when an agent (or a forward to an outside number) picked up and talked, even if
 *   the call was later transferred to voicemail: a person spoke to the caller;
 * - else `voicemail` when a voicemail box took the call;
 * - else `abandoned` when no agent ever rang (the caller hung up in the IVR or while queued);
 * - else `missed`: agents rang, nobody answered. Queue and IVR legs never count as answered
 *   (a queue leg can say Answered=true while the caller hung up in the queue, docs/3cx-facts.md §1.5).
 */
export function classifyCall(
  key: string,
  facts: readonly LegFacts[],
  options: ClassifyOptions = {},
): SettledCall {
  const numberOptions = { country: options.country };
  const voicemailLeftSeconds = options.voicemailLeftSeconds ?? DEFAULT_VOICEMAIL_LEFT_SECONDS;
  const first = facts[0];
  let lastEnd = first.end;
  let inboundLeg: LegFacts | undefined;
  let outboundLeg: LegFacts | undefined;
  for (let i = 0; i < facts.length; i++) {
    const f = facts[i];
    if (f.end > lastEnd) lastEnd = f.end;
    if (inboundLeg === undefined && f.srcRole === 'external') inboundLeg = f;
    if (outboundLeg === undefined && f.dstRole === 'external' && f.srcRole !== 'external')
      outboundLeg = f;
  }
  const direction: CallDirection = inboundLeg ? 'inbound' : outboundLeg ? 'outbound' : 'internal';

  let caller: NormalisedNumber;
  let callerName: string;
  let callee: NormalisedNumber;
  let calleeName: string;
  if (inboundLeg !== undefined) {
    // The caller id, never the trunk DN: an empty id is a caller we cannot call back.
    caller = normalisePhoneNumber(inboundLeg.src.callerId, numberOptions);
    callerName = inboundLeg.src.displayName;
    const target = facts.find((f) => f.dstRole === 'extension') ?? first;
    callee = normalisePhoneNumber(target.dst.dn || target.dst.callerId, numberOptions);
    calleeName = target.dst.displayName;
  } else {
    const target = outboundLeg ?? first;
    caller = normalisePhoneNumber(first.src.dn || first.src.callerId, numberOptions);
    callerName = first.src.displayName;
    callee = normalisePhoneNumber(
      outboundLeg ? target.dst.callerId || target.dst.dn : target.dst.dn || target.dst.callerId,
      numberOptions,
    );
    calleeName = target.dst.displayName;
  }

  const agentsRung: string[] = [];
  let answering: LegFacts | undefined;
  let talkSeconds = 0;
  let voicemailLeg: LegFacts | undefined;
  let voicemailSeconds = 0;
  let queueLeg: LegFacts | undefined;
  for (let i = 0; i < facts.length; i++) {
    const f = facts[i];
    if (f.dstRole === 'voicemail') {
      voicemailLeg ??= f;
      voicemailSeconds += f.talk;
      continue;
    }
    if (f.dstRole === 'queue') queueLeg ??= f;
    if (f.dstRole === 'extension' && (f.ring > 0 || f.answered === true)) {
      const dn = f.dst.dn || f.dst.callerId;
      if (dn !== '' && !agentsRung.includes(dn)) agentsRung.push(dn);
    }
    if (isAnsweringLeg(f, direction)) {
      answering ??= f;
      talkSeconds += f.talk;
    }
  }
  if (direction === 'outbound') {
    // The extension that placed an outbound call did not "ring".
    const i = agentsRung.indexOf(first.src.dn);
    if (i >= 0) agentsRung.splice(i, 1);
  }

  let outcome: CallOutcome;
  if (answering) outcome = 'answered';
  else if (voicemailLeg) outcome = 'voicemail';
  else if (direction !== 'outbound' && agentsRung.length === 0) outcome = 'abandoned';
  else outcome = 'missed';

  const waitEnd = answering
    ? answering.start + answering.ring * 1000
    : voicemailLeg
      ? voicemailLeg.start
      : lastEnd;
  const external = direction === 'inbound' ? caller : direction === 'outbound' ? callee : undefined;
  return {
    call_id: key,
    direction,
    outcome,
    voicemail: voicemailLeg !== undefined,
    voicemail_left: voicemailLeg !== undefined && voicemailSeconds >= voicemailLeftSeconds,
    voicemail_seconds: Math.round(voicemailSeconds),
    caller_number: caller.number,
    caller_number_raw: caller.raw,
    caller_anonymous: caller.kind === 'anonymous',
    caller_name: nonEmpty(callerName),
    callee_number: callee.number,
    callee_number_raw: callee.raw,
    callee_name: nonEmpty(calleeName),
    external_number:
      external !== undefined && external.kind === 'external' ? external.number : null,
    dialed_number: options.dialedNumber ?? null,
    queue: queueLeg ? nonEmpty(queueLeg.dst.dn) : null,
    queue_name: queueLeg ? nonEmpty(queueLeg.dst.displayName) : null,
    agents_rung: agentsRung,
    answered_by: answering ? answererOf(answering) : null,
    answered_by_name: answering ? nonEmpty(answering.dst.displayName) : null,
    started_at: toIsoUtc(first.start),
    ended_at: toIsoUtc(lastEnd),
    ring_seconds: Math.round(Math.max(0, waitEnd - first.start) / 1000),
    talk_seconds: Math.round(talkSeconds),
    leg_count: facts.length,
  };
}

/** An agent (or a forward to an outside number) picked up and talked. */
function isAnsweringLeg(f: LegFacts, direction: CallDirection): boolean {
  if (f.answered === false || f.talk <= 0) return false;
  if (direction === 'outbound') return f.dstRole === 'external';
  return f.dstRole === 'extension' || (f.dstRole === 'external' && f.srcRole !== 'external');
}

/** The extension that answered; for an outside answerer (a forward, an outbound callee) its number. */
function answererOf(f: LegFacts): string | null {
  return nonEmpty(
    f.dstRole === 'external' ? f.dst.callerId || f.dst.dn : f.dst.dn || f.dst.callerId,
  );
}

function nonEmpty(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}
