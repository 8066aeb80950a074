import { phoneNumberKey } from '../phoneNumber';
import { toMillis } from '../utcTime';

/**
 * Dialler cooldown: people (and autodiallers) redial straight away when nobody answers. Three
 * misses in five minutes are one person trying to reach us, and three SMS replies would be
 * spam. So a miss from a number whose previous *emitted* `call.missed` was within the cooldown
 * fires no new event; the bridge folds it into that earlier call's record (its `attempts` goes
 * up) and stores the new event as suppressed.
 *
 * The gap is measured as the quiet time between the two calls: from the end of the emitted
 * miss (`ended_at`, or `started_at` when it has none) to the start of this one. That is the
 * caller's "how long before I tried again", whatever the length of the first ring. The edge is
 * inclusive: a gap of exactly the cooldown still folds. Calls that overlap (a second call
 * while the first still rang in a queue) have no quiet time and fold too; so does one that
 * settled out of order, measured the other way round.
 *
 * Measured from the last *emitted* miss, not the last attempt: a number redialling every five
 * minutes still fires once per cooldown, so a real person calling all morning is not silenced.
 * A cooldown of 0 turns the rule off. Callers without a number key never fold: two withheld
 * callers are not the same person.
 */

export const DEFAULT_DIALLER_COOLDOWN_MS = 10 * 60 * 1000;

/** A miss with its times, as the store keeps calls (ISO strings or epoch ms). */
export interface TimedMiss {
  call_id: string;
  number_key: string | null;
  started_at: string | number;
  ended_at: string | number | null;
}

export interface DiallerCooldownSettings {
  /** Quiet time below which a miss is a redial; default 10 minutes, 0 = never fold. */
  cooldownMs?: number;
  /** ISO 3166 country for national-format keys. */
  country?: string;
}

export type DiallerCooldownDecision =
  { suppressed: false } | { suppressed: true; foldInto: string };

export function diallerCooldown(
  thisMiss: TimedMiss,
  recentEmittedMisses: readonly TimedMiss[],
  settings: DiallerCooldownSettings = {},
): DiallerCooldownDecision {
  const folding = foldingOf(thisMiss, settings);
  if (folding === null) return { suppressed: false };
  const { cooldownMs, key, own } = folding;

  let best: { callId: string; gap: number; startMs: number } | null = null;
  for (const emitted of recentEmittedMisses) {
    if (emitted.call_id === thisMiss.call_id) continue;
    if (phoneNumberKey(emitted.number_key, { country: settings.country }) !== key) continue;
    const other = span(emitted);
    if (other === null) continue;
    const gap = Math.max(own.startMs - other.endMs, other.startMs - own.endMs);
    if (gap > cooldownMs) continue;
    // The closest call wins; then the most recent; then the call id, for a stable answer.
    if (
      best === null ||
      gap < best.gap ||
      (gap === best.gap &&
        (other.startMs > best.startMs ||
          (other.startMs === best.startMs && emitted.call_id < best.callId)))
    ) {
      best = { callId: emitted.call_id, gap, startMs: other.startMs };
    }
  }
  return best === null ? { suppressed: false } : { suppressed: true, foldInto: best.callId };
}

/**
 * Which emitted misses may fold this one, for a store to read those and not every emitted miss
 * of the number (issue 16): a gap within the cooldown means the other started at most the
 * cooldown after this one ended and ended (its `span`) at most the cooldown before this one
 * started. A millisecond of margin each way: the rule above decides among them. Null: this miss
 * never folds (no cooldown, no number key, no readable start).
 */
export function foldReach(
  thisMiss: TimedMiss,
  settings: DiallerCooldownSettings = {},
): { startedByMs: number; endedFromMs: number } | null {
  const folding = foldingOf(thisMiss, settings);
  if (folding === null) return null;
  const { cooldownMs, own } = folding;
  return {
    startedByMs: Math.ceil(own.endMs + cooldownMs) + 1,
    endedFromMs: Math.floor(own.startMs - cooldownMs) - 1,
  };
}

/** What the rule compares with, or null when this miss never folds. */
function foldingOf(
  thisMiss: TimedMiss,
  settings: DiallerCooldownSettings,
): { cooldownMs: number; key: string; own: { startMs: number; endMs: number } } | null {
  const cooldownMs = settings.cooldownMs ?? DEFAULT_DIALLER_COOLDOWN_MS;
  const key = phoneNumberKey(thisMiss.number_key, { country: settings.country });
  const own = span(thisMiss);
  if (!(cooldownMs > 0) || key === null || own === null) return null;
  return { cooldownMs, key, own };
}

function span(miss: TimedMiss): { startMs: number; endMs: number } | null {
  const startMs = toMillis(miss.started_at);
  if (!Number.isFinite(startMs)) return null;
  const endMs = miss.ended_at === null ? NaN : toMillis(miss.ended_at);
  return { startMs, endMs: Number.isFinite(endMs) && endMs >= startMs ? endMs : startMs };
}
