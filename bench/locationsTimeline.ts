import { writeFileSync } from 'node:fs';
import type { BridgeService } from '../bridge/bridgeService';
import { epochNow, type BridgeProbe, type PollRecord, type TurnSpan } from './benchBridge';
import { printTable, round, type Row } from './report';
import { STALENESS_TARGET_SECONDS, stalenessSeconds } from './staleness';

/** What the timeline reads once a second from the bridge's process. */
interface Sample {
  /** Epoch ms (`epochNow`). */
  at: number;
  /** This process's CPU so far (user + system), ms. */
  cpuMs: number;
  delivered: number;
  /** Deliveries pending in the store. */
  pending: number;
  inFlight: number;
  inFlightCap: number;
}

const STEP_MS = 100;

/**
 * Why a location's view is over 6 s old at a moment: what its poll was doing then.
 * - `timer`: no poll in flight (the next one is not due yet, `PollScheduler.nextDelay`);
 * - `first poll`: its first poll (the restart's catch-up) has not succeeded yet;
 * - `3CX answer`: a request to its PBX in flight, its answer not yet arrived;
 * - `parse wait` / `steady turn wait` / `catch-up turn wait`: its work waits in the polls' line;
 * - `parse` / `steady turn` / `catch-up turn`: its work runs (or yields to the loop) in a turn;
 * - `between`: in a poll, none of these (the loop running other work between two steps).
 */
const REASONS = [
  'timer',
  'first poll',
  '3CX answer',
  'parse wait',
  'steady turn wait',
  'catch-up turn wait',
  'parse',
  'steady turn',
  'catch-up turn',
  'between',
] as const;
type Reason = (typeof REASONS)[number];

/**
 * `BENCH_LOCATIONS_TIMELINE=1`: the locations bench's level second by second, to explain where
 * the poll lag comes from after a restart (BENCHMARKS.md, `lag32`): the bridge's CPU and the
 * part of it the polls' turns held, the turns waiting, the delivery's pace, backlog and
 * in-flight cap, and for the locations over 6 s stale, what their polls were doing.
 */
export class LocationsTimeline {
  private readonly samples: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly bridge: BridgeService,
    private readonly probe: BridgeProbe,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
  }

  private sample(): void {
    const cpu = process.cpuUsage();
    const state = this.bridge.worker.state();
    this.samples.push({
      at: epochNow(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      delivered: this.probe.deliveryOutcomes.delivered ?? 0,
      pending: this.bridge.store.deliveries.pendingCount(),
      inFlight: state.inFlight,
      inFlightCap: state.inFlightCap,
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** BENCH_LOCATIONS_TIMELINE_DUMP=FILE: what the timeline is made of, as JSON, for a closer look. */
  dump(file: string | undefined, extra: Record<string, unknown>): void {
    if (!file) return;
    const { polls, turnSpans, requests, transactions, ticks } = this.probe;
    writeFileSync(
      file,
      JSON.stringify({
        ...extra,
        samples: this.samples,
        polls,
        turnSpans,
        requests,
        transactions,
        ticks,
      }),
    );
  }

  /**
   * One row a second from `from` to `to` (epoch ms), and the reasons' shares in `halves`
   * (each a labelled stretch); `watchedFrom` is the bridge's start.
   */
  print(options: {
    from: number;
    to: number;
    watchedFrom: number;
    locationIds: readonly string[];
    halves: Array<{ label: string; from: number; to: number }>;
  }): void {
    const { watchedFrom } = options;
    const polls = this.probe.polls;
    const spans = this.probe.turnSpans;
    const byLocation = new Map<string, { polls: PollRecord[]; spans: TurnSpan[] }>(
      options.locationIds.map((id) => [id, { polls: [], spans: [] }]),
    );
    for (const p of polls) byLocation.get(p.locationId)?.polls.push(p);
    for (const s of spans) if (s.locationId) byLocation.get(s.locationId)?.spans.push(s);
    const requestsBy = new Map<string, Array<{ from: number; to: number }>>();
    for (const r of this.probe.requests) {
      const list = requestsBy.get(r.locationId) ?? [];
      list.push({ from: r.startedAt, to: r.startedAt + r.ms });
      requestsBy.set(r.locationId, list);
    }

    /**
     * The moments `from`, `from + stepMs`, … before `to`, each with the reason of every location
     * over the target stale then (staleness as the bench measures it, bench/staleness.ts), and
     * how many were.
     */
    const reasonsEvery = (from: number, to: number, stepMs: number): Array<Map<Reason, number>> => {
      const stale = stalenessSeconds(polls, options.locationIds, { from, to, watchedFrom, stepMs });
      const moments: Array<Map<Reason, number>> = [];
      for (let i = 0, t = from; t < to; i++, t += stepMs) {
        const counts = new Map<Reason, number>();
        options.locationIds.forEach((id, l) => {
          if (stale[l][i] <= STALENESS_TARGET_SECONDS) return;
          const reason = reasonOf(t, byLocation.get(id)!, requestsBy.get(id) ?? []);
          counts.set(reason, (counts.get(reason) ?? 0) + 1);
        });
        moments.push(counts);
      }
      return moments;
    };
    // At each second's end (the rows below).
    const atSecondEnds = reasonsEvery(options.from + 1000, options.to + 1, 1000);

    const rows: Row[] = [];
    for (let r = 0, second = options.from; second + 1000 <= options.to; r++, second += 1000) {
      const end = second + 1000;
      const held = { parse: 0, steady: 0, catchUp: 0 };
      const stored = { polls: 0, delivery: 0 };
      for (const x of this.probe.transactions)
        if (x.at >= second && x.at < end)
          stored[x.by === 'delivery' ? 'delivery' : 'polls'] += x.ms;
      for (const s of spans) {
        const overlap = Math.min(end, s.endedAt) - Math.max(second, s.startedAt);
        if (overlap > 0) held[s.kind] += overlap;
      }
      const waitingAt = (kind: TurnSpan['kind']) =>
        spans.filter((s) => s.kind === kind && s.askedAt <= end && s.startedAt > end).length;
      const a = nearest(this.samples, second);
      const b = nearest(this.samples, end);
      const wall = Math.max(1, b.at - a.at);
      const over = atSecondEnds[r];
      const overTotal = [...over.values()].reduce((x, y) => x + y, 0);
      const inFlight = polls.filter((p) => p.endedAt - p.ms <= end && p.endedAt > end).length;
      rows.push({
        's after start': round((end - watchedFrom) / 1000),
        'bridge CPU %': round(((b.cpuMs - a.cpuMs) / wall) * 100),
        'turns held ms: parse / steady / catch-up': `${round(held.parse)} / ${round(held.steady)} / ${round(held.catchUp)}`,
        'store transactions ms: polls / delivery': `${round(stored.polls)} / ${round(stored.delivery)}`,
        'waiting at the end: parse / steady / catch-up': `${waitingAt('parse')} / ${waitingAt('steady')} / ${waitingAt('catchUp')}`,
        'polls in flight': inFlight,
        'webhooks/s': round(((b.delivered - a.delivered) / wall) * 1000),
        'pending; in flight / cap': `${b.pending}; ${b.inFlight} / ${b.inFlightCap}`,
        'locations over 6 s': overTotal,
        'why (at the second’s end)': [...over]
          .sort((x, y) => y[1] - x[1])
          .map(([r, n]) => `${r} ${n}`)
          .join(', '),
      });
    }
    printTable(
      `Timeline, second by second (BENCH_LOCATIONS_TIMELINE=1): "turns held" is wall time inside the polls' turns (a catch-up turn's yields included), the rest of the CPU is delivery, HTTP, GC and the loop's own`,
      rows,
    );

    const shares: Row[] = options.halves.map(({ label, from, to }) => {
      const counts = new Map<Reason, number>();
      let samples = 0;
      for (const moment of reasonsEvery(from, to, STEP_MS)) {
        samples += options.locationIds.length;
        for (const [r, n] of moment) counts.set(r, (counts.get(r) ?? 0) + n);
      }
      const over = [...counts.values()].reduce((x, y) => x + y, 0);
      const row: Row = {
        stretch: label,
        'over 6 s, % of location-moments': round((over / Math.max(1, samples)) * 100, 1),
      };
      for (const r of REASONS)
        row[r] = `${round(((counts.get(r) ?? 0) / Math.max(1, over)) * 100, 1)} %`;
      return row;
    });
    printTable(
      'Why a location was over 6 s stale: what its poll was doing, share of its moments over 6 s (every 100 ms)',
      shares,
    );
  }
}

function reasonOf(
  t: number,
  v: { polls: readonly PollRecord[]; spans: readonly TurnSpan[] },
  requests: ReadonlyArray<{ from: number; to: number }>,
): Reason {
  const inPoll = v.polls.some((p) => p.endedAt - p.ms <= t && p.endedAt > t);
  if (!inPoll) return 'timer';
  if (!v.polls.some((p) => p.ok && p.endedAt <= t)) return 'first poll';
  // The latest span asked for by t: a poll has at most one turn going at a time.
  for (let i = v.spans.length - 1; i >= 0; i--) {
    const s = v.spans[i];
    if (s.askedAt > t || s.endedAt <= t) continue;
    const kind =
      s.kind === 'catchUp' ? 'catch-up turn' : s.kind === 'steady' ? 'steady turn' : 'parse';
    return s.startedAt > t ? (`${kind} wait` as Reason) : kind;
  }
  if (requests.some((r) => r.from <= t && r.to > t)) return '3CX answer';
  return 'between';
}

function nearest(samples: readonly Sample[], at: number): Sample {
  let best = samples[0];
  for (const s of samples) if (Math.abs(s.at - at) < Math.abs(best.at - at)) best = s;
  return best;
}
