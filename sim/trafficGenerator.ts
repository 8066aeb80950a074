import { DEFAULT_VOICEMAIL_LEFT_SECONDS } from '../lib/voicemailLeft';
import type { CallScript } from './callScript';
import { randomCallerNumber, type CallerFormat, type CountryDialling } from './countryDialling';
import { FollowUpPlanner, type FollowUpTrafficOptions } from './followUpTraffic';
import type { OfficeSchedule } from './officeSchedule';
import type { PbxDirectory } from './pbxDirectory';
import { SeededRandom } from './seededRandom';
import type { SimCall } from './simCall';

/**
 * Background traffic: a Poisson stream of calls of the flow kinds the scripts know, with random
 * callers and some repeat callers (the "second miss in 7 days" branch needs them).
 *
 * Arrivals are drawn one after another from a seeded RNG and only when the clock reaches them,
 * so the same seed gives the same calls however often (or rarely) anyone looks.
 */
export interface TrafficMix {
  answered: number;
  missed: number;
  voicemail: number;
  abandoned: number;
  internal: number;
  outbound: number;
  /** Calls down the after-hours rule (straight to voicemail). */
  afterHours: number;
}

export interface TrafficOptions {
  callsPerMinute: number;
  /** Relative weights; missing keys take the default weights. */
  mix?: Partial<TrafficMix>;
  seed?: number;
  /** Send inbound calls outside office hours down the after-hours rule (default false). */
  respectOfficeHours?: boolean;
  /** Safety stop: no more calls after this many (default 200,000). */
  maxCalls?: number;
  /** Call backs, callers ringing again and redials after misses (sim/followUpTraffic.ts). */
  followUps?: FollowUpTrafficOptions;
}

export const DEFAULT_TRAFFIC_MIX: Readonly<TrafficMix> = {
  answered: 50,
  missed: 12,
  voicemail: 12,
  abandoned: 6,
  internal: 10,
  outbound: 10,
  afterHours: 0,
};

const FIRST_NAMES = [
  'Olivia',
  'Noah',
  'Mia',
  'Liam',
  'Ava',
  'Lucas',
  'Zoe',
  'Ethan',
  'Ruby',
  'Oscar',
];
const LAST_NAMES = [
  'Smith',
  'Jones',
  'Taylor',
  'Singh',
  'Chen',
  'Martin',
  "O'Neill",
  'Rossi',
  'Kelly',
  'Tran',
];
const REPEAT_POOL_SIZE = 40;

export interface TrafficState {
  running: boolean;
  callsPerMinute: number;
  mix: TrafficMix;
  seed: number;
  generated: number;
  nextArrivalAt: number;
}

export class TrafficGenerator {
  readonly random: SeededRandom;
  readonly mix: TrafficMix;
  private nextAt: number;
  private generated = 0;
  private readonly recentCallers: string[] = [];
  private readonly maxCalls: number;
  private readonly followUps: FollowUpPlanner | null;

  constructor(
    readonly options: TrafficOptions & { seed: number },
    startAt: number,
    private readonly directory: PbxDirectory,
    private readonly country: CountryDialling,
    private readonly schedule: OfficeSchedule,
  ) {
    if (!(options.callsPerMinute > 0) || !Number.isFinite(options.callsPerMinute)) {
      throw new RangeError('callsPerMinute must be a positive number');
    }
    this.mix = { ...DEFAULT_TRAFFIC_MIX, ...options.mix };
    for (const [k, w] of Object.entries(this.mix)) {
      if (!(w >= 0)) throw new RangeError(`mix weight ${k} must be >= 0`);
    }
    if (!Object.values(this.mix).some((w) => w > 0))
      throw new RangeError('mix needs a positive weight');
    this.maxCalls = options.maxCalls ?? 200_000;
    this.random = new SeededRandom(options.seed);
    this.nextAt = startAt + this.gapMs();
    this.followUps = options.followUps
      ? new FollowUpPlanner(options.followUps, directory, options.seed)
      : null;
  }

  /** Scripts of every call arriving up to `now`, in arrival order, each with its `at`. */
  takeDue(now: number): CallScript[] {
    const due: CallScript[] = [];
    while (this.nextAt <= now && this.generated < this.maxCalls) {
      due.push(this.scriptAt(this.nextAt));
      this.generated += 1;
      this.nextAt += this.gapMs();
    }
    if (this.followUps) due.push(...this.followUps.takeDue(now));
    return due;
  }

  /** A call of this traffic was placed: its follow-ups are planned now. */
  placed(call: SimCall): void {
    this.followUps?.observe(call);
  }

  state(): TrafficState {
    return {
      running: this.generated < this.maxCalls,
      callsPerMinute: this.options.callsPerMinute,
      mix: this.mix,
      seed: this.options.seed,
      generated: this.generated,
      nextArrivalAt: this.nextAt,
    };
  }

  private gapMs(): number {
    return Math.max(1, Math.round(this.random.exponential(60000 / this.options.callsPerMinute)));
  }

  private scriptAt(at: number): CallScript {
    const r = this.random;
    const category = r.weighted(this.mix);
    if (category === 'internal') return this.internal(at);
    if (category === 'outbound') return this.outbound(at);
    const caller = this.caller();
    const inbound = { at, ...caller };
    if (
      category === 'afterHours' ||
      (this.options.respectOfficeHours && !this.schedule.isOpen(at))
    ) {
      return { ...inbound, kind: 'afterHours', messageSeconds: this.message() };
    }
    const dir = this.directory.config;
    const hasQueue = dir.queues.some((q) => q.agents.length > 0);
    const hasGroup = dir.ringGroups.length > 0;
    const hasIvr = dir.ivrs.length > 0;
    const ext = () => r.pick(dir.extensions).dn;

    switch (category) {
      case 'answered': {
        const kind = r.weighted({
          direct: 3,
          queue: hasQueue ? 4 : 0,
          ringGroup: hasGroup ? 2 : 0,
          transfer: 1,
          park: 0.5,
        });
        if (kind === 'park' && dir.extensions.length > 1) {
          const [a, b] = this.twoExtensions();
          return {
            ...inbound,
            kind: 'park',
            extension: a,
            pickedUpBy: r.chance(0.8) ? b : undefined,
            ringSeconds: r.seconds(2, 12),
            talkSeconds: r.seconds(5, 60),
            parkSeconds: r.seconds(5, 90),
            pickupTalkSeconds: this.talk(),
          };
        }
        if (kind === 'queue') {
          const queue = r.pick(dir.queues.filter((q) => q.agents.length > 0));
          const answeredOnPoll = this.answerablePoll(queue);
          return {
            ...inbound,
            kind: 'queue',
            queue: queue.dn,
            result: 'answered',
            answeredOnPoll,
            pickupSeconds: r.seconds(1, Math.min(12, queue.pollSeconds - 0.5)),
            talkSeconds: this.talk(),
          };
        }
        if (kind === 'ringGroup') {
          const group = r.pick(dir.ringGroups);
          return {
            ...inbound,
            kind: 'ringGroup',
            group: group.dn,
            result: 'answered',
            answeredBy: r.pick(group.members),
            ringSeconds: r.seconds(2, Math.min(15, group.ringSeconds - 1)),
            talkSeconds: this.talk(),
          };
        }
        if (kind === 'transfer' && dir.extensions.length > 1) {
          const [a, b] = this.twoExtensions();
          return {
            ...inbound,
            kind: 'transfer',
            extension: a,
            to: b,
            ringSeconds: r.seconds(2, 12),
            talkSeconds: r.seconds(10, 120),
            messageSeconds: this.message(),
          };
        }
        return {
          ...inbound,
          kind: 'direct',
          extension: ext(),
          result: 'answered',
          ringSeconds: r.seconds(2, 15),
          talkSeconds: this.talk(),
        };
      }
      case 'missed': {
        const kind = r.weighted({
          direct: 2,
          queue: hasQueue ? 3 : 0,
          ringGroup: hasGroup ? 2 : 0,
        });
        if (kind === 'queue') {
          const queue = r.pick(dir.queues.filter((q) => q.agents.length > 0));
          const from = queue.firstPollSeconds + 1;
          const to = Math.max(from + 0.5, Math.min(queue.maxWaitSeconds - 1, 75));
          return {
            ...inbound,
            kind: 'queue',
            queue: queue.dn,
            result: 'hangup',
            waitSeconds: r.seconds(from, to),
          };
        }
        if (kind === 'ringGroup') {
          const group = r.pick(dir.ringGroups);
          return {
            ...inbound,
            kind: 'ringGroup',
            group: group.dn,
            result: 'hangup',
            ringSeconds: r.seconds(3, group.ringSeconds - 1),
          };
        }
        return {
          ...inbound,
          kind: 'direct',
          extension: ext(),
          result: 'hangup',
          ringSeconds: r.seconds(4, 19),
        };
      }
      case 'voicemail': {
        const kind = r.weighted({
          direct: 3,
          queue: dir.queues.length ? 2 : 0,
          ringGroup: hasGroup ? 2 : 0,
          ivr: hasIvr ? 1 : 0,
        });
        const messageSeconds = this.message();
        if (kind === 'queue') {
          return {
            ...inbound,
            kind: 'queue',
            queue: r.pick(dir.queues).dn,
            result: 'voicemail',
            messageSeconds,
          };
        }
        if (kind === 'ringGroup') {
          return {
            ...inbound,
            kind: 'ringGroup',
            group: r.pick(dir.ringGroups).dn,
            result: 'voicemail',
            messageSeconds,
          };
        }
        if (kind === 'ivr') {
          return {
            ...inbound,
            kind: 'ivr',
            menuSeconds: r.seconds(3, 15),
            then: {
              kind: 'direct',
              extension: ext(),
              result: 'voicemail',
              ringSeconds: r.seconds(15, 30),
              messageSeconds,
            },
          };
        }
        return {
          ...inbound,
          kind: 'direct',
          extension: ext(),
          result: 'voicemail',
          ringSeconds: r.seconds(15, 30),
          messageSeconds,
        };
      }
      case 'abandoned':
      default: {
        // Now and then an AI voice agent takes the call and the caller hangs up on it (§8).
        if (r.chance(0.15))
          return { ...inbound, kind: 'voiceAgent', talkSeconds: r.seconds(5, 120) };
        const queue = dir.queues.find((q) => q.firstPollSeconds > 1.5);
        if (queue && (!hasIvr || r.chance(0.5))) {
          return {
            ...inbound,
            kind: 'queue',
            queue: queue.dn,
            result: 'hangup',
            waitSeconds: r.seconds(1, queue.firstPollSeconds - 0.5),
          };
        }
        if (hasIvr) return { ...inbound, kind: 'ivr', menuSeconds: r.seconds(2, 14) };
        return { ...inbound, kind: 'afterHours', messageSeconds: 0 };
      }
    }
  }

  private internal(at: number): CallScript {
    const [from, to] = this.twoExtensions();
    const answered = this.random.chance(0.75);
    return {
      kind: 'internal',
      at,
      from,
      to,
      result: answered ? 'answered' : 'unanswered',
      ringSeconds: this.random.seconds(answered ? 2 : 15, answered ? 10 : 30),
      talkSeconds: this.random.seconds(10, 300),
    };
  }

  private outbound(at: number): CallScript {
    const answered = this.random.chance(0.7);
    return {
      kind: 'outbound',
      at,
      from: this.random.pick(this.directory.config.extensions).dn,
      number:
        this.recentCallers.length > 0 && this.random.chance(0.3)
          ? this.random.pick(this.recentCallers)
          : randomCallerNumber(this.country, this.random),
      result: answered ? 'answered' : 'unanswered',
      ringSeconds: this.random.seconds(answered ? 3 : 20, answered ? 15 : 40),
      talkSeconds: this.talk(),
    };
  }

  /** Random caller: some withheld, some in national format, some calling again. */
  /**
   * Random caller: some withheld (`anonymous` in any case, docs/3cx-facts.md §8), some written
   * as dialled (national, with the international prefix, digits without `+`), some calling again.
   */
  private caller(): { caller: string; callerName?: string; callerFormat?: CallerFormat } {
    const r = this.random;
    if (r.chance(0.04)) return { caller: r.pick(['Anonymous', 'anonymous', 'ANONYMOUS']) };
    const repeat = this.recentCallers.length > 0 && r.chance(0.15);
    const caller = repeat ? r.pick(this.recentCallers) : randomCallerNumber(this.country, r);
    if (!repeat) {
      this.recentCallers.push(caller);
      if (this.recentCallers.length > REPEAT_POOL_SIZE) this.recentCallers.shift();
    }
    const named = r.chance(0.3)
      ? { callerName: `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}` }
      : {};
    const format = r.weighted({ e164: 89, national: 5, international: 3, digits: 3 });
    const dialled = format === 'e164' ? {} : { callerFormat: format };
    return { caller, ...named, ...dialled };
  }

  private twoExtensions(): [string, string] {
    const exts = this.directory.config.extensions;
    const a = this.random.int(0, exts.length - 1);
    const b = (a + this.random.int(1, Math.max(1, exts.length - 1))) % exts.length;
    return [exts[a].dn, exts[b].dn];
  }

  /** A poll that can still be answered before the queue's max wait. */
  private answerablePoll(queue: {
    waveSize: number;
    firstPollSeconds: number;
    pollSeconds: number;
    waveGapSeconds: number;
    maxWaitSeconds: number;
  }): number {
    const waves = Math.floor(
      (queue.maxWaitSeconds - queue.firstPollSeconds - queue.pollSeconds) /
        (queue.pollSeconds + queue.waveGapSeconds),
    );
    const polls = Math.max(1, Math.min(3, (waves + 1) * queue.waveSize));
    return this.random.int(1, polls);
  }

  /** Talk times: mostly a few minutes, now and then a long one. */
  private talk(): number {
    return this.random.chance(0.1) ? this.random.seconds(300, 1500) : this.random.seconds(15, 300);
  }

  /**
   * A quarter hang up at the greeting; a quarter stay on the box for about as long as the
   * voicemail-left threshold (lib/voicemailLeft.ts), either side of it; the rest leave a
   * message. Whole seconds near the threshold, as durations in exports are (§8).
   */
  private message(): number {
    const r = this.random;
    const kind = r.weighted({ greeting: 1, nearThreshold: 1, message: 2 });
    if (kind === 'greeting') return 0;
    if (kind === 'message') return r.seconds(8, 60);
    const greeting = this.directory.config.voicemailGreetingSeconds;
    const total = DEFAULT_VOICEMAIL_LEFT_SECONDS + r.int(-3, 3);
    return Math.max(0, total - greeting);
  }
}
