import { e164CallerOf } from './followUpTraffic';
import type { SimCall } from './simCall';

/**
 * The simulator's ground truth of follow-up, from the calls it placed and what each of them
 * was (`expected`, written from the scripts), by the definitions the bridge documents
 * (docs/api.md "`call.returned` and `call.unreturned`", README "Dialler cooldown", "Repeat
 * misses"). Written here from those definitions, never by importing the bridge's rules: it is
 * the independent side the bridge's reports are compared with.
 *
 * - A miss is an inbound call from outside that nobody answered (withheld callers included).
 * - A miss that starts within 10 minutes of the end of an earlier miss from the same number
 *   that was not itself folded (or while it still rings) is folded into it: no `call.missed`.
 * - A fired miss is a repeat miss when the same number missed (folded redials included) in the
 *   7 days up to its start.
 * - A fired miss with a number is returned by the first call with that number that started
 *   after it and connected: an outbound call the caller answered (`callback`, by the extension
 *   that dialled) or an inbound call from them that was answered (`called_again`, by the
 *   extension that answered). Outbound calls to the number before that which were not
 *   answered are its call-back attempts.
 */
export interface MissTruth {
  /** `CallHistoryId` (the bridge's call id). */
  callId: string;
  number: string | null;
  startedAt: number;
  folded: boolean;
  repeat: boolean;
  afterHours: boolean;
  returned: { callId: string; at: number; via: 'callback' | 'called_again'; by: string } | null;
  callbackAttempts: number;
}

export interface FollowUpTruthOptions {
  /** The office is open at this instant (the PBX's office hours, `OfficeSchedule.isOpen`). */
  isOpen: (ms: number) => boolean;
  cooldownMs?: number;
  repeatWindowMs?: number;
}

export function followUpTruth(
  calls: readonly SimCall[],
  options: FollowUpTruthOptions,
): MissTruth[] {
  const cooldownMs = options.cooldownMs ?? 10 * 60_000;
  const windowMs = options.repeatWindowMs ?? 7 * 86_400_000;
  const byStart = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const misses = byStart.filter(
    (c) => c.expected.direction === 'inbound' && c.expected.outcome !== 'answered',
  );
  const emitted = new Map<string, SimCall[]>();
  const seen = new Map<string, number[]>();
  const truths: MissTruth[] = [];
  for (const miss of misses) {
    const number = e164CallerOf(miss);
    let folded = false;
    let repeat = false;
    if (number !== null) {
      const earlier = emitted.get(number) ?? [];
      folded = earlier.some(
        (e) => miss.startedAt - e.endedAt <= cooldownMs && e.startedAt <= miss.startedAt,
      );
      const before = seen.get(number) ?? [];
      repeat = before.some((at) => miss.startedAt - at <= windowMs);
      before.push(miss.startedAt);
      seen.set(number, before);
      if (!folded) emitted.set(number, [...earlier, miss]);
    }
    truths.push({
      callId: miss.callHistoryId ?? String(miss.callId),
      number,
      startedAt: miss.startedAt,
      folded,
      repeat: !folded && repeat,
      afterHours: !options.isOpen(miss.startedAt),
      returned: null,
      callbackAttempts: 0,
    });
  }
  for (const truth of truths) {
    if (truth.folded || truth.number === null) continue;
    for (const call of byStart) {
      if (call.startedAt <= truth.startedAt) continue;
      const outbound = call.expected.direction === 'outbound';
      const withNumber = outbound
        ? (call.script as { number?: string }).number === truth.number
        : call.expected.direction === 'inbound' && e164CallerOf(call) === truth.number;
      if (!withNumber) continue;
      if (call.expected.outcome === 'answered') {
        truth.returned = {
          callId: call.callHistoryId ?? String(call.callId),
          at: call.startedAt,
          via: outbound ? 'callback' : 'called_again',
          by: outbound ? (call.script as { from: string }).from : call.expected.answeredBy!,
        };
        break;
      }
      if (outbound) truth.callbackAttempts++;
    }
  }
  return truths;
}
