import { startBenchBridge, type BenchBridge } from './benchBridge';
import { ProcessMeter } from './processMeter';
import { loadLine, printTable, recordMeasure, round, sleep, type Row } from './report';
import { startLatencyHost } from './latencyHost';
import { CallTimeline, timelineThresholdMs } from './latencyTimeline';
import type { Arrival, CallTruth } from './simHost';

/**
 * Latency with the 3CX Call Control stream (docs/3cx-facts.md §2), the bridge running for real
 * (its timers, the default 5 s poll, 10 s grace and 1.5 s fast-settle quiet time, SQLite on
 * disk), the PBXs and the receiver in a child process, sim time = wall time:
 *
 * - plain misses (agents rang, nobody answered, no voicemail): hang-up → `call.missed` webhook;
 * - voicemail calls: hang-up → `call.missed` webhook (they wait for the call log, as today);
 * - abandoned calls (no monitored phone rang): the same, from the poller;
 * - first ring → `call.started` webhook, for inbound calls that rang an extension.
 *
 * Each measure counts what is missing (expected, never delivered and not folded by the dialler
 * cooldown) and duplicated (one call under two ids, or one event delivered twice). The
 * `-polled` scenario is the same traffic on a client without Call Control access: today's
 * figures, measured the same way.
 */
export interface CallControlScenario {
  name: string;
  pbxs: number;
  callsPerMinute: number;
  /** DNs the API client monitors; null = no Call Control access (polling alone). */
  monitor: string[] | null;
  backfillMinutes: number;
  warmupSeconds: number;
  measureSeconds: number;
}

const EXTENSIONS = ['101', '102', '103', '104', '105', '106', '107', '108', '109', '110'];
const GRACE_MS = 10_000;
/** The targets (issue 15): what counts as slow in the checks table. */
const SLOW_MS = { 'call.missed': 2500, 'call.started': 1000 } as const;
const INTERVAL_MS = 5_000;

/** As bench/latencyBench.ts: half the calls unanswered, so p99 rests on enough samples. */

export function callControlScenarios(): Record<string, CallControlScenario> {
  const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? 180);
  const common = { backfillMinutes: 30, warmupSeconds: 30, measureSeconds: seconds };
  const offices = { pbxs: 10, callsPerMinute: 30, ...common };
  return {
    'callcontrol-offices': {
      name: 'Call Control: 10 PBXs × 30 calls/min, extensions monitored',
      monitor: EXTENSIONS,
      ...offices,
    },
    'callcontrol-callcentre': {
      name: 'Call Control: 1 PBX × 300 calls/min, extensions and trunk monitored',
      pbxs: 1,
      callsPerMinute: 300,
      monitor: [...EXTENSIONS, '10000'],
      ...common,
    },
    'callcontrol-offices-polled': {
      name: 'Polling alone (no Call Control access): 10 PBXs × 30 calls/min',
      monitor: null,
      ...offices,
    },
  };
}

export interface CallControlResult {
  rows: Row[];
  checks: Row;
}

export async function runCallControlScenario(
  scenario: CallControlScenario,
): Promise<CallControlResult> {
  process.stdout.write(`\n[latency] ${scenario.name}: ${loadLine()}\n`);
  const client = {
    clientId: '900',
    clientSecret: 'cc-secret',
    callControl: scenario.monitor === null ? null : { monitor: scenario.monitor },
  };
  const host = await startLatencyHost({ ...scenario, clients: [client] });
  let bench: BenchBridge | null = null;
  let timeline: CallTimeline | null = null;
  try {
    bench = await startBenchBridge({
      pbxUrls: host.urls,
      receiverUrl: host.receiverUrl,
      events: [],
      clientIdFor: () => ({ clientId: client.clientId, clientSecret: client.clientSecret }),
    });
    const { bridge } = bench;
    bridge.start();
    const threshold = timelineThresholdMs();
    timeline = threshold === null ? null : new CallTimeline(threshold);
    timeline?.attach(
      bridge,
      bench.locations.map((l) => l.id),
    );
    // Subscribe once every location's first poll has caught up on the backfilled history:
    // thousands of old events queued for delivery would hold up the ones measured.
    const caughtUp = Date.now() + 120_000;
    while (
      Date.now() < caughtUp &&
      bench.locations.some((l) => !bridge.scheduler.statusOf(l.id)?.lastSuccessAt)
    )
      await sleep(200);
    bench.locations.forEach((l, i) => {
      for (const event of ['call.started', 'call.missed'] as const) {
        bridge.store.subscriptions.create(
          {
            locationId: l.id,
            kind: 'rest_hook',
            event,
            targetUrl: `${host.receiverUrl}?location=${i}`,
          },
          new Date(),
        );
      }
    });
    await sleep(scenario.warmupSeconds * 1000);
    const windowFrom = Date.now();
    const meter = new ProcessMeter();
    await sleep(scenario.measureSeconds * 1000);
    const windowTo = Date.now();
    const usage = meter.stop();

    const truth = await host.calls();
    learnCallIds(truth);
    const inWindow = (t: number | null) => t !== null && t >= windowFrom && t < windowTo;
    const inbound = truth.filter((c) => c.direction === 'inbound');
    const groups = {
      plain: inbound.filter((c) => c.outcome === 'missed' && inWindow(c.endedAt)),
      voicemail: inbound.filter((c) => c.outcome === 'voicemail' && inWindow(c.endedAt)),
      abandoned: inbound.filter((c) => c.outcome === 'abandoned' && inWindow(c.endedAt)),
      started: inbound.filter((c) => inWindow(c.firstRingAt)),
    };

    // Wait for the poller's share: past the last hang-up + grace + two intervals, then stragglers.
    await sleep(Math.max(0, windowTo + GRACE_MS + 2 * INTERVAL_MS * 1.1 + 3000 - Date.now()));
    const locations = bench.locations.map((l) => l.id);
    let arrivals: Arrival[] = [];
    for (let waited = 0; waited <= 30; waited++) {
      arrivals = await host.arrivals();
      const got = new Set(arrivals.map((a) => arrivalKey(a, locations)));
      const expected = [...groups.plain, ...groups.voicemail, ...groups.abandoned];
      if (expected.every((c) => got.has(`${c.sim}|${c.callId}|call.missed`))) break;
      await sleep(1000);
    }

    const folded = foldedMisses(bench);
    const byCall = new Map<
      string,
      { at: number; first: Arrival; ids: Set<string>; count: number }
    >();
    for (const a of arrivals) {
      const key = arrivalKey(a, locations);
      if (key === null) continue;
      const entry = byCall.get(key) ?? { at: a.at, first: a, ids: new Set<string>(), count: 0 };
      if (a.at < entry.at) entry.first = a;
      entry.at = Math.min(entry.at, a.at);
      entry.ids.add(a.eventId);
      entry.count++;
      byCall.set(key, entry);
    }
    const slowKinds: string[] = [];
    const late: Parameters<CallTimeline['report']>[0] = [];
    const measure = (
      label: string,
      calls: CallTruth[],
      event: 'call.missed' | 'call.started',
      from: (c: CallTruth) => number,
    ): Row => {
      const values: number[] = [];
      let missing = 0;
      let duplicated = 0;
      const slow = new Map<string, number>();
      for (const c of calls) {
        const got = byCall.get(`${c.sim}|${c.callId}|${event}`);
        if (!got) {
          if (!(event === 'call.missed' && folded.has(`${locations[c.sim]}|${c.callId}`)))
            missing++;
          continue;
        }
        duplicated += got.count - 1;
        values.push(got.at - from(c));
        late.push({ measure: label, truth: c, from: from(c), arrival: { ...got.first } });
        if (got.at - from(c) > SLOW_MS[event]) slow.set(c.kind, (slow.get(c.kind) ?? 0) + 1);
      }
      if (slow.size > 0 && !label.startsWith('voicemail') && !label.startsWith('abandoned'))
        slowKinds.push(`${label}: ${[...slow].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
      const f = recordMeasure(scenario.name, label, values, { missing, duplicated });
      return {
        scenario: scenario.name,
        measure: label,
        calls: calls.length,
        p50: f.p50 ?? '',
        p95: f.p95 ?? '',
        p99: f.p99 ?? '',
        max: f.max ?? '',
        missing,
        duplicated,
      };
    };
    const rows = [
      measure('plain miss: hang-up → call.missed', groups.plain, 'call.missed', (c) => c.endedAt),
      measure(
        'voicemail: hang-up → call.missed',
        groups.voicemail,
        'call.missed',
        (c) => c.endedAt,
      ),
      measure(
        'abandoned: hang-up → call.missed',
        groups.abandoned,
        'call.missed',
        (c) => c.endedAt,
      ),
      measure('first ring → call.started', groups.started, 'call.started', (c) => c.firstRingAt!),
    ];
    timeline?.stop();
    if (timeline) {
      // Voicemail and abandoned calls wait for the call log by design: not what is traced.
      const traced = late.filter((l) => !/^(voicemail|abandoned)/.test(l.measure));
      process.stdout.write(
        timeline.report(traced, locations, (location, callId) =>
          pbxCallIdOf(locations.indexOf(location), callId),
        ),
      );
    }
    const metrics = await bridge.metrics.registry.getMetricsAsJSON();
    const value = (name: string, label?: string) =>
      metrics
        .find((m) => m.name === name)
        ?.values.filter((v) => !label || Object.values(v.labels).includes(label))
        .reduce((sum, v) => sum + v.value, 0) ?? 0;
    const streams = locations.map((id) => bridge.callControl.statusOf(id));
    return {
      rows,
      checks: {
        scenario: scenario.name,
        'streams connected': streams.filter((s) => s?.state === 'connected').length,
        'fast misses': value('bridge_fast_settle_total', 'missed'),
        'left to the call log': value('bridge_fast_settle_total', 'log'),
        'still active at the check': value('bridge_fast_settle_total', 'still_active'),
        'checked too late': value('bridge_fast_settle_total', 'late'),
        contradictions: value('bridge_fast_settle_contradictions_total'),
        reconnects: value('bridge_callcontrol_reconnects_total'),
        'bridge CPU % of a core': round(usage.cpuPercent, 1),
        'event-loop delay p99 ms': round(usage.loopP99Ms, 1),
        'over target, by kind of call': slowKinds.join('; ') || 'none',
      },
    };
  } finally {
    timeline?.stop();
    await bench?.close();
    await host.close();
  }
}

export async function callControlLatencyBench(names: readonly string[]): Promise<void> {
  const all = callControlScenarios();
  const rows: Row[] = [];
  const checks: Row[] = [];
  for (const name of names) {
    const scenario = all[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(all)}`);
    const result = await runCallControlScenario(scenario);
    rows.push(...result.rows);
    checks.push(result.checks);
  }
  printTable(
    'Call Control: latency by kind of call (seconds; targets: plain miss p99 ≤ 2.5 s, call.started p99 ≤ 1 s)',
    rows,
  );
  printTable('Call Control: what the stream did', checks);
}

/** `sim|callId|event` of an arrival: its call id is the stream's (`cc-{callid}-…`) or the call log's. */
function arrivalKey(a: Arrival, locations: readonly string[]): string | null {
  const sim = locations.indexOf(a.locationId);
  if (sim < 0) return null;
  const callId = pbxCallIdOf(sim, a.callId);
  return callId === undefined ? null : `${sim}|${callId}|${a.event}`;
}

/** The PBX call number of an event's call id, the stream's (`cc-…`) or the call log's. */
function pbxCallIdOf(sim: number, callId: string): number | undefined {
  const stream = /^cc-(\d+)-/.exec(callId);
  return stream ? Number(stream[1]) : callIdsByKey.get(`${sim}|${callId}`);
}

/** Call-log ids (`CallHistoryId`) to PBX call numbers, filled from the truth before matching. */
const callIdsByKey = new Map<string, number>();

export function learnCallIds(truth: readonly CallTruth[]): void {
  for (const c of truth) callIdsByKey.set(`${c.sim}|${c.callKey}`, c.callId);
}

/** `location|callId` of misses the dialler cooldown folded (stored, suppressed, not delivered). */
function foldedMisses(bench: BenchBridge): Set<string> {
  const locations = bench.locations.map((l) => l.id);
  const rows = bench.bridge.store.db
    .prepare(
      "SELECT location_id, call_id FROM events WHERE type = 'call.missed' AND suppressed = 1",
    )
    .all() as Array<{ location_id: string; call_id: string }>;
  const out = new Set<string>();
  for (const r of rows) {
    const key = arrivalKey(
      { locationId: r.location_id, callId: r.call_id, event: 'call.missed' } as Arrival,
      locations,
    );
    if (key !== null) out.add(`${r.location_id}|${key.split('|')[1]}`);
  }
  return out;
}
