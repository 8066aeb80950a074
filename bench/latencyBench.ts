import {
  hasJournalRoute,
  startBenchBridge,
  type BenchBridge,
  type PollRecord,
  type RequestRecord,
} from './benchBridge';
import { callControlLatencyBench } from './callControlLatency';
import { startLatencyHost } from './latencyHost';
import { ProcessMeter } from './processMeter';
import {
  loadLine,
  mean,
  percentile,
  printTable,
  recordMeasure,
  round,
  sleep,
  type Row,
} from './report';
import { SimHost } from './simHostClient';
import type { Arrival, CallTruth } from './simHost';

/**
 * Hang-up to webhook, for missed calls, with the bridge running for real: its own timers
 * (`start()`), the default poll interval (5 s) and grace (10 s), the SQLite store on disk, the
 * PBXs and the receiver in a child process on the same machine. The simulator's clock runs in
 * real time from the wall clock, so its ground-truth hang-up (`SimCall.endedAt`) and the
 * receiver's arrival time are on one time line with the bridge's `Date.now()`.
 *
 * The PBXs start with `backfillMinutes` of history (traffic started in the past, long answered
 * calls still in progress), so the bridge polls a PBX in its steady state, not an empty one.
 * The bridge's first polls catch up on that history; calls that hung up during the warm-up are
 * not counted.
 */
export interface LatencyScenario {
  name: string;
  pbxs: number;
  /** Per PBX. */
  callsPerMinute: number;
  backfillMinutes: number;
  warmupSeconds: number;
  measureSeconds: number;
  /** Location setting (default 600 s); a lever to show what the re-read window costs. */
  overlapSeconds?: number;
}

/** More misses than a real office (half of all calls), so p99 rests on enough samples. */

const GRACE_MS = 10_000;
const INTERVAL_MS = 5_000;
const TARGET_MS = GRACE_MS + INTERVAL_MS + 250;

/**
 * `BENCH_LATENCY_SCENARIOS`, comma-separated: the polled scenarios below, `journal`, and the
 * Call Control ones (bench/callControlLatency.ts: `callcontrol-offices`,
 * `callcontrol-callcentre`, `callcontrol-offices-polled`).
 */
function wantedScenarios(): string[] {
  return (process.env.BENCH_LATENCY_SCENARIOS ?? 'offices,callcentre,journal')
    .split(',')
    .map((name) => name.trim());
}

export function latencyScenarios(): LatencyScenario[] {
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 180);
  const common = { backfillMinutes: 30, warmupSeconds: 30, measureSeconds: seconds };
  const all: Record<string, LatencyScenario> = {
    offices: { name: '10 PBXs × 30 calls/min', pbxs: 10, callsPerMinute: 30, ...common },
    callcentre: { name: '1 PBX × 300 calls/min', pbxs: 1, callsPerMinute: 300, ...common },
    'callcentre-overlap60': {
      name: '1 PBX × 300 calls/min, overlap 60 s',
      pbxs: 1,
      callsPerMinute: 300,
      overlapSeconds: 60,
      ...common,
    },
  };
  return wantedScenarios()
    .filter((name) => name !== 'journal' && !name.startsWith('callcontrol-'))
    .map((name) => {
      const scenario = all[name.trim()];
      if (!scenario)
        throw new Error(`unknown latency scenario ${name}; known: ${Object.keys(all)}, journal`);
      return scenario;
    });
}

interface ScenarioResult {
  name: string;
  summary: Row;
  parts: Row[];
  cost?: Row;
  checks?: Row;
}

export async function latencyBench(): Promise<void> {
  const results: ScenarioResult[] = [];
  for (const scenario of latencyScenarios()) {
    process.stdout.write(`\n[latency] ${scenario.name}: ${loadLine()}\n`);
    results.push(await runScenario(scenario));
  }
  const callControl = wantedScenarios().filter((name) => name.startsWith('callcontrol-'));
  if (callControl.length > 0) await callControlLatencyBench(callControl);
  if (wantedScenarios().includes('journal')) {
    process.stdout.write(`\n[latency] journal: ${loadLine()}\n`);
    const journal = await journalScenario(Number(process.env.BENCH_JOURNAL_SECONDS ?? 60));
    if (journal) results.push(journal);
    else process.stdout.write('[latency] this build has no POST /3cx/journal: not measured\n');
  }
  printTable(
    `Hang-up to webhook, call.missed (grace 10 s, poll every 5 s; target ≤ ${TARGET_MS / 1000} s = grace + one interval + 250 ms)`,
    results.map((r) => r.summary),
  );
  for (const r of results) printTable(`Where the time goes: ${r.name} (seconds)`, r.parts);
  printTable(
    'Cost of polling during the measurement',
    results.flatMap((r) => (r.cost ? [r.cost] : [])),
  );
  printTable(
    'Checks (against the simulator’s ground truth)',
    results.flatMap((r) => (r.checks ? [r.checks] : [])),
  );
}

/**
 * The CRM-template journal path on a journal-only location (no XAPI: the entry is released at
 * once): a generator in the child process posts a missed call to `/3cx/journal` at its
 * hang-up, `rate` per second, and the receiver in the same process notes the webhook.
 */
async function journalScenario(seconds: number, rate = 20): Promise<ScenarioResult | null> {
  const host = await SimHost.start([]);
  let bench: BenchBridge | null = null;
  try {
    bench = await startBenchBridge({
      pbxUrls: [null],
      receiverUrl: host.receiverUrl,
      events: ['call.missed'],
    });
    if (!hasJournalRoute(bench)) return null;
    bench.bridge.start();
    const spec = {
      url: `${bench.url}/3cx/journal`,
      apiKey: bench.locations[0].apiKey,
      mode: 'open' as const,
      connections: 4,
      ratePerSecond: rate,
    };
    await host.journalLoad({ ...spec, seconds: 3, numberBase: 0 }); // warm-up
    const meter = new ProcessMeter();
    const posts = await host.journalLoad({ ...spec, seconds, numberBase: 1_000_000 });
    const usage = meter.stop();
    await sleep(2000);
    const arrivals = new Map<string, Arrival>();
    for (const a of await host.arrivals()) if (!arrivals.has(a.callId)) arrivals.set(a.callId, a);
    const answered: number[] = [];
    const total: number[] = [];
    const afterAnswer: number[] = [];
    let refused = 0;
    let missing = 0;
    for (const p of posts) {
      if (p.status !== 200) {
        refused++;
        continue;
      }
      answered.push(p.ms);
      const arrival = arrivals.get(p.callId);
      if (!arrival) {
        missing++;
        continue;
      }
      total.push(arrival.at - p.sentAt);
      afterAnswer.push(arrival.at - p.sentAt - p.ms);
    }
    const s = (values: number[], q: number) => round(percentile(values, q) / 1000, 3);
    const name = `journal-only location, ${rate} posts/s`;
    recordMeasure(name, 'hang-up → webhook (call.missed)', total, { missing, duplicated: 0 });
    const row = (part: string, values: number[]) => ({
      part,
      p50: s(values, 50),
      p95: s(values, 95),
      p99: s(values, 99),
      mean: round(mean(values) / 1000, 3),
      'share of mean': `${round((mean(values) / mean(total)) * 100, 1)} %`,
    });
    return {
      name,
      summary: {
        scenario: name,
        'missed calls': total.length,
        p50: s(total, 50),
        p95: s(total, 95),
        p99: s(total, 99),
        max: s(total, 100),
        [`≤ ${TARGET_MS / 1000} s`]: `${round((total.filter((v) => v <= TARGET_MS).length / Math.max(1, total.length)) * 100, 1)} %`,
      },
      parts: [
        row('POST /3cx/journal answered (events stored)', answered),
        row('webhook received − POST answered', afterAnswer),
        row('total: POST at hang-up → webhook', total),
        {
          part: `posts ${posts.length}, refused ${refused}, webhook missing ${missing}, bridge CPU ${round(usage.cpuPercent, 1)} % of a core`,
          p50: '',
          p95: '',
          p99: '',
          mean: '',
          'share of mean': '',
        },
      ],
    };
  } finally {
    await bench?.close();
    await host.close();
  }
}

async function runScenario(scenario: LatencyScenario): Promise<ScenarioResult> {
  const host = await startLatencyHost(scenario);
  let bench: BenchBridge | null = null;
  try {
    const skewBefore = await clockSkew(host);
    bench = await startBenchBridge({
      pbxUrls: host.urls,
      receiverUrl: host.receiverUrl,
      events: ['call.missed'],
      // Before the back-filled history, as before 2026-12-04: its misses are still delivered
      // during the warm-up (a subscription receives what occurred once it existed: outbox.ts).
      subscribedAt: new Date(Date.now() - (scenario.backfillMinutes + 10) * 60_000),
      settings: scenario.overlapSeconds ? { overlapSeconds: scenario.overlapSeconds } : {},
    });
    const { bridge, probe } = bench;
    bridge.start();
    await sleep(scenario.warmupSeconds * 1000);

    const windowFrom = Date.now();
    const meter = new ProcessMeter();
    const hostBefore = await host.usage();
    await sleep(scenario.measureSeconds * 1000);
    const windowTo = Date.now();
    const usage = meter.stop();
    const hostAfter = await host.usage();
    const hostCpuPercent =
      ((hostAfter.cpuMicros - hostBefore.cpuMicros) /
        1000 /
        (hostAfter.wallMs - hostBefore.wallMs)) *
      100;

    // The calls that hung up inside the window and should fire call.missed.
    const truth = await host.calls();
    const counted = truth.filter(
      (c) =>
        c.endedAt >= windowFrom &&
        c.endedAt < windowTo &&
        c.direction === 'inbound' &&
        c.outcome !== 'answered',
    );
    const locationOf = (c: CallTruth) => bench!.locations[c.sim].id;
    const eventKey = (locationId: string, callKey: string) =>
      `${locationId}|${callKey}:call.missed`;

    // Wait for them: past the last hang-up + grace + two intervals, then for stragglers.
    const deadline = windowTo + GRACE_MS + 2 * INTERVAL_MS * 1.1 + 3000;
    await sleep(Math.max(0, deadline - Date.now()));
    let arrivals: Arrival[] = [];
    let stored = storedMisses(bench);
    for (let waited = 0; waited <= 30; waited++) {
      arrivals = await host.arrivals();
      stored = storedMisses(bench);
      const got = new Set(arrivals.map((a) => `${a.locationId}|${a.eventId}`));
      const missing = counted.filter((c) => {
        const key = eventKey(locationOf(c), c.callKey);
        return !got.has(key) && !stored.get(key)?.suppressed;
      });
      if (missing.length === 0) break;
      await sleep(1000);
    }
    const skewAfter = await clockSkew(host);

    // First arrival of each event; duplicates counted.
    const firstArrival = new Map<string, Arrival>();
    let duplicates = 0;
    for (const a of arrivals) {
      const key = `${a.locationId}|${a.eventId}`;
      if (firstArrival.has(key)) duplicates++;
      else firstArrival.set(key, a);
    }

    const pollsByLocation = groupPolls(probe.polls);
    const latency: number[] = [];
    const parts = {
      wait: [] as number[],
      read: [] as number[],
      work: [] as number[],
      delivery: [] as number[],
    };
    const requestsByLocation = groupRequests(probe.requests);
    let missing = 0;
    let folded = 0;
    let unattributed = 0;
    let early = 0;
    const settlingPolls = new Set<PollRecord>();
    for (const call of counted) {
      const location = locationOf(call);
      const key = eventKey(location, call.callKey);
      const arrival = firstArrival.get(key);
      const event = stored.get(key);
      if (!arrival) {
        if (event?.suppressed) folded++;
        else missing++;
        continue;
      }
      const total = arrival.at - call.endedAt;
      latency.push(total);
      if (event && event.storedAt < call.endedAt + GRACE_MS) early++;
      // The poll that settled it: the one running when the event was stored.
      const poll = event
        ? pollRunningAt(pollsByLocation.get(location) ?? [], event.storedAt)
        : null;
      const pollStart = poll ? poll.endedAt - poll.ms : NaN;
      if (!poll) {
        unattributed++;
        continue;
      }
      settlingPolls.add(poll);
      parts.wait.push(pollStart - (call.endedAt + GRACE_MS));
      const reading = readingMs(requestsByLocation.get(location) ?? [], poll);
      parts.read.push(reading);
      parts.work.push(Math.max(0, poll.ms - reading));
      parts.delivery.push(arrival.at - poll.endedAt);
    }

    const windowPolls = probe.polls.filter(
      (p) => p.ok && p.endedAt >= windowFrom && p.endedAt < windowTo,
    );
    const perPoll = rowsPerPoll(windowPolls, probe.requests);
    const bridgeSettle = probe.settleDelays
      .filter((v) => v.at >= windowFrom && v.at < deadline)
      .map((v) => v.ms);
    const bridgeDelivery = probe.deliveryLatencies
      .filter((v) => v.at >= windowFrom && v.at < deadline)
      .map((v) => v.ms);

    const s3 = (values: number[], q: number) => round(percentile(values, q) / 1000, 3);
    const meanTotal = mean(latency);
    const part = (name: string, values: number[]) => ({
      part: name,
      p50: s3(values, 50),
      p95: s3(values, 95),
      p99: s3(values, 99),
      mean: round(mean(values) / 1000, 3),
      'share of mean': `${round((mean(values) / meanTotal) * 100, 1)} %`,
    });
    const fixedGrace = counted.length > 0 ? latency.map(() => GRACE_MS) : [];
    recordMeasure(scenario.name, 'hang-up → webhook (call.missed)', latency, {
      missing,
      duplicated: duplicates,
    });
    return {
      name: scenario.name,
      summary: {
        scenario: scenario.name,
        'missed calls': latency.length,
        p50: s3(latency, 50),
        p95: s3(latency, 95),
        p99: s3(latency, 99),
        max: s3(latency, 100),
        [`≤ ${TARGET_MS / 1000} s`]: `${round((latency.filter((v) => v <= TARGET_MS).length / latency.length) * 100, 1)} %`,
      },
      parts: [
        part('grace (fixed)', fixedGrace),
        part('wait for the next poll', parts.wait),
        part('the poll: reading 3CX (requests)', parts.read),
        part('the poll: settle, enrich, store', parts.work),
        part('delivery (poll end → webhook received)', parts.delivery),
        part('total: hang-up → webhook', latency),
        {
          part: 'bridge’s own view: hang-up → stored (call.ended)',
          p50: s3(bridgeSettle, 50),
          p95: s3(bridgeSettle, 95),
          p99: s3(bridgeSettle, 99),
          mean: round(mean(bridgeSettle) / 1000, 3),
          'share of mean': '',
        },
        {
          part: 'bridge’s own view: stored → 2xx',
          p50: s3(bridgeDelivery, 50),
          p95: s3(bridgeDelivery, 95),
          p99: s3(bridgeDelivery, 99),
          mean: round(mean(bridgeDelivery) / 1000, 3),
          'share of mean': '',
        },
      ],
      cost: {
        scenario: scenario.name,
        'polls/s': round(windowPolls.length / usage.seconds, 1),
        'poll ms p50': round(
          percentile(
            windowPolls.map((p) => p.ms),
            50,
          ),
        ),
        'poll ms p95': round(
          percentile(
            windowPolls.map((p) => p.ms),
            95,
          ),
        ),
        'poll ms p99': round(
          percentile(
            windowPolls.map((p) => p.ms),
            99,
          ),
        ),
        'legs read/poll p50': percentile(perPoll.legs, 50),
        'legs read/poll p95': percentile(perPoll.legs, 95),
        'requests/poll p95': percentile(perPoll.requests, 95),
        'bridge CPU % of a core': round(usage.cpuPercent, 1),
        'event-loop delay p99 ms': round(usage.loopP99Ms, 1),
        'bridge peak RSS MiB': round(usage.peakRssMiB),
        'PBXs+receiver CPU %': round(hostCpuPercent, 1),
      },
      checks: {
        scenario: scenario.name,
        'expected call.missed': counted.length,
        delivered: latency.length,
        'folded (dialler cooldown)': folded,
        missing,
        duplicates,
        'stored before hang-up + grace': early,
        unattributed,
        'settling polls': settlingPolls.size,
        'clock skew ms (sim − bridge)': `${skewBefore} / ${skewAfter}`,
      },
    };
  } finally {
    await bench?.close();
    await host.close();
  }
}

/** Sim time minus this process's `Date.now()`, at the midpoint of the round trip. */
async function clockSkew(host: SimHost): Promise<number> {
  const before = Date.now();
  const { sim } = await host.clock();
  const after = Date.now();
  return sim === null ? NaN : Math.round(sim - (before + after) / 2);
}

/** The bridge's stored call.missed events by `location|event id`: when stored, and folded or not. */
function storedMisses(bench: BenchBridge): Map<string, { storedAt: number; suppressed: boolean }> {
  const rows = bench.bridge.store.db
    .prepare(
      "SELECT location_id, id, created_at, suppressed FROM events WHERE type = 'call.missed'",
    )
    .all() as Array<{ location_id: string; id: string; created_at: string; suppressed: number }>;
  return new Map(
    rows.map((r) => [
      `${r.location_id}|${r.id}`,
      { storedAt: Date.parse(r.created_at), suppressed: r.suppressed === 1 },
    ]),
  );
}

function groupPolls(polls: readonly PollRecord[]): Map<string, PollRecord[]> {
  const byLocation = new Map<string, PollRecord[]>();
  for (const p of polls) {
    if (!p.ok) continue;
    const list = byLocation.get(p.locationId) ?? [];
    list.push(p);
    byLocation.set(p.locationId, list);
  }
  for (const list of byLocation.values()) list.sort((a, b) => a.endedAt - b.endedAt);
  return byLocation;
}

/** The poll that was running at `at` (the event's stored time is taken inside its commit). */
function pollRunningAt(polls: readonly PollRecord[], at: number): PollRecord | null {
  for (const p of polls) if (p.endedAt - p.ms - 1 <= at && at <= p.endedAt + 1) return p;
  return null;
}

/** Call-log legs and requests per poll: requests of a location that started within the poll. */
function groupRequests(requests: readonly RequestRecord[]): Map<string, RequestRecord[]> {
  const byLocation = new Map<string, RequestRecord[]>();
  for (const r of requests) {
    const list = byLocation.get(r.locationId) ?? [];
    list.push(r);
    byLocation.set(r.locationId, list);
  }
  return byLocation;
}

/** Time the poll spent waiting on 3CX: its requests run one after another. */
function readingMs(requests: readonly RequestRecord[], poll: PollRecord): number {
  const start = poll.endedAt - poll.ms - 5;
  let ms = 0;
  for (const r of requests) if (r.startedAt >= start && r.startedAt <= poll.endedAt) ms += r.ms;
  return Math.min(ms, poll.ms);
}

function rowsPerPoll(
  polls: readonly PollRecord[],
  requests: readonly RequestRecord[],
): { legs: number[]; requests: number[] } {
  const byLocation = groupRequests(requests);
  const legs: number[] = [];
  const counts: number[] = [];
  for (const poll of polls) {
    const start = poll.endedAt - poll.ms - 5;
    let rows = 0;
    let n = 0;
    for (const r of byLocation.get(poll.locationId) ?? []) {
      if (r.startedAt < start || r.startedAt > poll.endedAt) continue;
      n++;
      if (r.kind === 'callLog') rows += r.rows;
    }
    legs.push(rows);
    counts.push(n);
  }
  return { legs, requests: counts };
}
