import type { CallScript } from './callScript';
import type { PbxDirectory } from './pbxDirectory';
import { SeededRandom } from './seededRandom';
import type { SimCall } from './simCall';

/**
 * What happens after a missed call, as traffic: someone calls the caller back (answered, or
 * not and tried again), the caller rings again (answered or missed again), or redials at once
 * (a dialler redial the bridge's cooldown folds). The bridge's call-back tracking is measured
 * against this (sim/followUpTruth.ts gives the ground truth from the placed calls).
 *
 * Decided once per missed call from its own seeded random stream when the miss is placed, and
 * released when the clock reaches each follow-up's start, so the same seed gives the same
 * follow-ups however the clock is stepped. Follow-up calls have no follow-ups of their own.
 */
export interface FollowUpTrafficOptions {
  /** Share of misses the team calls back (default 0.55). */
  callBackShare?: number;
  /** Share of the others whose caller rings again (default 0.35). */
  callAgainShare?: number;
  /** Share of misses redialled within a few minutes, besides (default 0.1). */
  redialShare?: number;
  seed?: number;
}

const MINUTE = 60_000;

export class FollowUpPlanner {
  private readonly random: SeededRandom;
  private readonly due: Array<{ at: number; script: CallScript }> = [];
  private readonly followUps = new WeakSet<CallScript>();

  constructor(
    private readonly options: FollowUpTrafficOptions,
    private readonly directory: PbxDirectory,
    seed: number,
  ) {
    this.random = new SeededRandom(options.seed ?? seed ^ 0xfa11);
  }

  /** A call was placed: plan what follows if it is a miss from a number someone can call. */
  observe(call: SimCall): void {
    if (this.followUps.has(call.script)) return;
    if (call.expected.direction !== 'inbound' || call.expected.outcome === 'answered') return;
    const number = e164CallerOf(call);
    if (number === null) return;
    const r = this.random;
    const after = (minMinutes: number, maxMinutes: number) =>
      call.endedAt + Math.round(r.between(minMinutes, maxMinutes) * MINUTE);
    if (r.chance(this.options.redialShare ?? 0.1))
      this.plan(after(1, 4), this.inbound(number, 'hangup'));
    if (r.chance(this.options.callBackShare ?? 0.55)) {
      const kind = r.weighted({ soon: 7, later: 2, nextDay: 1 });
      const first =
        kind === 'soon'
          ? after(2, 60)
          : kind === 'later'
            ? after(60, 360)
            : after(26 * 60, 40 * 60);
      const answered = r.chance(0.65);
      this.plan(first, this.outbound(number, answered));
      if (!answered) {
        const second = first + Math.round(r.between(10, 90) * MINUTE);
        this.plan(second, this.outbound(number, r.chance(0.7)));
      }
    } else if (r.chance(this.options.callAgainShare ?? 0.35)) {
      this.plan(after(5, 180), this.inbound(number, r.chance(0.7) ? 'answered' : 'hangup'));
    }
  }

  /** Follow-up scripts due by `now`, in time order. */
  takeDue(now: number): CallScript[] {
    this.due.sort((a, b) => a.at - b.at);
    let n = 0;
    while (n < this.due.length && this.due[n].at <= now) n++;
    return this.due.splice(0, n).map((d) => d.script);
  }

  private plan(at: number, script: CallScript): void {
    const timed = { ...script, at } as CallScript;
    this.followUps.add(timed);
    this.due.push({ at, script: timed });
  }

  private outbound(number: string, answered: boolean): CallScript {
    const r = this.random;
    return {
      kind: 'outbound',
      from: r.pick(this.directory.config.extensions).dn,
      number,
      result: answered ? 'answered' : 'unanswered',
      ringSeconds: answered ? r.seconds(3, 15) : r.seconds(20, 40),
      talkSeconds: r.seconds(30, 400),
    };
  }

  private inbound(number: string, result: 'answered' | 'hangup'): CallScript {
    const r = this.random;
    return {
      kind: 'direct',
      caller: number,
      // However 3CX writes the number, it is the same caller.
      ...(r.chance(0.2) ? { callerFormat: 'national' as const } : {}),
      extension: r.pick(this.directory.config.extensions).dn,
      result,
      ringSeconds: result === 'answered' ? r.seconds(3, 12) : r.seconds(4, 19),
      talkSeconds: r.seconds(30, 300),
    };
  }
}

/** The caller of an inbound call in E.164, as the script gave it; null when withheld. */
export function e164CallerOf(call: SimCall): string | null {
  const script = call.script as { caller?: string };
  const written = script.caller ?? call.caller;
  return /^\+[1-9]\d{6,14}$/.test(written) ? written : null;
}
