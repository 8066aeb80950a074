import { statSync } from 'node:fs';
import { NO_RATE_LIMITS, startBenchBridge } from './benchBridge';
import { fillBigStore } from './bigStore';
import { allocationWindow, profileWindow } from './cpuProfile';
import { ProcessMeter, secondsOverBound } from './processMeter';
import { ApiReaders, bigStoreReadRate, LATE_MS, PACED_MAX_IN_FLIGHT } from './bigStoreReaders';
import { harnessCpu, harnessPlacement } from './harnessAffinity';
import { harnessNice, lowerThisProcess } from './harnessPriority';
import { BigStoreTimeline } from './bigStoreTimeline';
import { loadLine, percentile, printTable, recordKey, round, type Row } from './report';
import { callLogDelaySeconds, SimHost } from './simHostClient';
import { syntheticCall } from './syntheticEvents';
import type { BridgeService } from '../bridge/bridgeService';
import type { PollerEvent } from '../lib/poller/pollerState';
import type { CallFacts } from '../lib/settledCall';
import { sqliteOf } from '../bridge/store/sql/sqliteDatabase';

/**
 * The bridge's event loop with a large store (issue 16: no synchronous stall over 50 ms at 1M
 * calls stored). One bridge, its own timers running, on a database file whose busiest
 * location holds `BENCH_BIGSTORE_CALLS` (1,000,000) calls of the last year (bench/bigStore.ts),
 * while for `BENCH_BIGSTORE_SECONDS` (60):
 *
 * - `BENCH_BIGSTORE_PBXS` (20) other locations' PBXs are polled, 30 calls a minute each, with
 *   a webhook per event type;
 * - the retention prune that `start()` runs removes what the year left behind;
 * - the busy location's API is read back to back on two connections: the event feed (first
 *   page, deep pages, a filter that matches nothing), the calls list, a number's calls (from a
 *   worker thread, bench/bigStoreReaders.ts, as a real bridge's clients are not in its loop);
 *   or, with `BENCH_BIGSTORE_READ_RATE=R`, the same seven kinds in turn at R requests a second,
 *   whatever the bridge answers (`pacedReads`: the same work for every build and harness setting);
 * - the CRM-template journal posts a missed call every 500 ms from the number with a
 *   thousand misses this week (the repeat-miss count counts them in the store's index:
 *   `CallRepo.missHistoryOfEach`).
 *
 * The event-loop delay is sampled every millisecond for the whole window. The harness (the
 * simulator host and the readers' thread) runs on one CPU of the machine's two, the bridge's
 * threads on both (`BENCH_HARNESS_CPU`, bench/harnessAffinity.ts; BENCHMARKS.md "pin21").
 *
 * The busy location is polled too (its PBX one more simulator at 30 calls a minute, serving
 * the recent call log only: the million calls are the store's, not the PBX's), as a location
 * with XAPI and the CRM template is; its journal entries are then held for the poller's version
 * (bridge/journal/holdDeadline.ts) and released at their deadline. `BENCH_BIGSTORE_POLL_BUSY=0`:
 * journal-only, as before 2026-12-03.
 */
export async function bigStoreBench(): Promise<void> {
  const calls = Number(process.env.BENCH_BIGSTORE_CALLS ?? 1_000_000);
  const seconds = Number(process.env.BENCH_BIGSTORE_SECONDS ?? 60);
  const pbxs = Number(process.env.BENCH_BIGSTORE_PBXS ?? 20);
  // Legs logged late, as in the locations bench (`callLogDelaySeconds`); at 0 (the simulator's
  // default, until 2026-12-03) every poll met each leg at once and re-read less than it must.
  const delaySeconds = callLogDelaySeconds();
  const pollBusy = busyLocationPolled();
  const harness = harnessCpu();
  process.stdout.write(
    `[bigstore] ${calls.toLocaleString('en-US')} calls, legs logged ${delaySeconds} s after they end, ANALYZE ${process.env.BENCH_BIGSTORE_ANALYZE === '1' ? 'run' : 'not run'}, the busy location ${pollBusy ? 'polled too' : 'journal-only'}: ${loadLine()}\n`,
  );
  // With the busy location polled, the first simulator is its PBX (seed 0 apart from the others').
  const host = await SimHost.start(
    Array.from({ length: pbxs + (pollBusy ? 1 : 0) }, (_, i) => ({
      seed: pollBusy ? i : i + 1,
      callLogDelaySeconds: delaySeconds,
      clock: { mode: 'realtime' as const },
    })),
    // BENCH_HARNESS_NICE: the PBXs, Zapier and the journal's poster below the bridge's priority.
    // BENCH_HARNESS_CPU: they and the API readers on one CPU (the last), as on other machines.
    { nice: harnessNice(), cpu: harness },
  );
  const bench = await startBenchBridge({
    pbxUrls: pollBusy ? host.urls : [null, ...host.urls],
    receiverUrl: host.receiverUrls,
    events: ['call.started', 'call.ended', 'call.missed'],
    // Before the PBXs' back-filled half hour: a location with a million calls is no new one,
    // its Zaps predate the traffic (a subscription receives what occurred once it existed:
    // bridge/store/outbox.ts), so the first polls' history is delivered as before 2026-12-04.
    subscribedAt: new Date(Date.now() - 3600_000),
    // The readers and the journal share one key.
    bridge: { limits: NO_RATE_LIMITS },
  });
  try {
    const { bridge, locations } = bench;
    const busy = locations[0];
    const subscriptions = Object.fromEntries(
      bridge.store.subscriptions.listActive(busy.id).map((s) => [s.event, s.id]),
    );
    const t0 = performance.now();
    const fill = fillBigStore(bridge.store, busy.id, subscriptions, calls, Date.now());
    const fillSeconds = (performance.now() - t0) / 1000;
    const dbFile = sqliteOf(bridge.store.db).location() ?? '';
    const dbMiB = dbFile ? statSync(dbFile).size / 2 ** 20 : 0;
    process.stdout.write(
      `[bigstore] filled in ${round(fillSeconds)} s: ${fill.calls.toLocaleString('en-US')} calls, ${fill.events.toLocaleString('en-US')} events, ${fill.deliveries.toLocaleString('en-US')} deliveries, ${round(dbMiB)} MiB; ${loadLine()}\n`,
    );
    const ingestCost = await measureIngest(bridge, busy.id, fill.hotNumber);
    printTable('Storing calls at this size, the bridge otherwise idle (ms)', ingestCost);
    await host.traffic({ callsPerMinute: 30, backfillMs: 30 * 60_000 });
    global.gc?.();

    const readRate = bigStoreReadRate();
    const readers = await ApiReaders.start({
      url: bench.url,
      apiKey: busy.apiKey,
      hotNumber: fill.hotNumber,
      readers: 2,
      rate: readRate,
    });
    const readersPinned =
      readers.threadId !== null && (await host.pinThread(readers.threadId, harness));
    process.stdout.write(`[bigstore] ${harnessPlacement(harness, host.pinned, readersPinned)}\n`);
    const deliveredBefore = await host.arrivalCount();

    const stopProfile = await profileWindow();
    const stopAllocations = await allocationWindow();
    const meter = new ProcessMeter({ worstWindows: true });
    const pollWork = bridge['pollWork'];
    const timeline =
      process.env.BENCH_BIGSTORE_TIMELINE === '1'
        ? new BigStoreTimeline(
            performance.now(),
            `${dbFile}-wal`,
            (turns) =>
              turns === pollWork ? 'poll' : turns === pollWork['catchUpLane'] ? 'catchup' : 'pages',
            bridge.store.db,
          )
        : null;
    // How long `start()` itself holds the loop: the window's first iteration, before any answer.
    const startCpu = process.cpuUsage();
    const startAt = performance.now();
    bridge.start();
    const startMs = performance.now() - startAt;
    const startCpuUsed = process.cpuUsage(startCpu);
    // Experiment (BENCHMARKS.md "prio17"): V8's worker threads (compiling, concurrent marking)
    // below the main thread, `BENCH_BRIDGE_V8_NICE=N`; default untouched.
    lowerThisProcess(Number(process.env.BENCH_BRIDGE_V8_NICE ?? 0), 'V8Worker');
    const pruneStarted = performance.now();
    const prune = Promise.resolve(bridge.pruneOldRecords()).then((removed) => ({
      removed,
      seconds: (performance.now() - pruneStarted) / 1000,
    }));
    const journal = host.journalLoad({
      url: `${bench.url}/3cx/journal`,
      apiKey: busy.apiKey,
      mode: 'open',
      connections: 1,
      ratePerSecond: 2,
      seconds,
      numberBase: 0,
      fixedNumber: fill.hotNumber,
    });
    const [read, posts] = await Promise.all([readers.run(seconds), journal]);
    const usage = meter.stop();
    const latencies = read.latencies;
    const delivered = (await host.arrivalCount()) - deliveredBefore;
    timeline?.stop(meter);
    await stopProfile(meter.stallWindows);
    await stopAllocations();
    const pruned = await prune;
    const polls = bench.probe.polls.filter((p) => p.ok);
    const busyPolls = polls.filter((p) => p.locationId === busy.id).map((p) => p.ms);
    // The start's catch-ups (each location's first poll reads its last 15 minutes): how many
    // turns of the catch-up line, and when the last one ended (s into the window): what a
    // change that spreads them costs their events (BENCHMARKS.md "stall8").
    const windowAt = performance.timeOrigin + startAt;
    const catchUps = bench.probe.turnSpans.filter(
      (t) => t.kind === 'catchUp' && t.startedAt >= windowAt,
    );
    const catchUpsEnded = catchUps.reduce((last, t) => Math.max(last, t.endedAt), windowAt);

    const worst = usage.loopWorst;
    const over = secondsOverBound(worst?.p99By1sMs ?? []);
    const rows: Row[] = [
      {
        'calls stored': fill.calls,
        'events stored': fill.events,
        'DB MiB': round(dbMiB),
        's watched': round(usage.seconds),
        'event loop p50 ms': round(usage.loopP50Ms, 1),
        'event loop p99 ms': round(usage.loopP99Ms, 1),
        'event loop max ms': round(usage.loopMaxMs, 1),
        'event loop p99 ms, time-weighted': round(usage.loopP99TimeWeightedMs, 1),
        '% of the time in stalls > 50 ms': round(usage.loopPercentInStallsOver50Ms, 2),
        'worst 1 s / 10 s: p99 ms (at s)': worst
          ? `${round(worst.p99Of1s.p99Ms, 1)} (${worst.p99Of1s.atSecond}) / ${round(worst.p99Of10s.p99Ms, 1)} (${worst.p99Of10s.atSecond})`
          : '',
        'worst 1 s / 10 s: time-weighted p99 ms (at s)': worst
          ? `${round(worst.timeWeightedP99Of1s.p99Ms, 1)} (${worst.timeWeightedP99Of1s.atSecond}) / ${round(worst.timeWeightedP99Of10s.p99Ms, 1)} (${worst.timeWeightedP99Of10s.atSecond})`
          : '',
        'seconds with p99 > 50 ms (at s)': worst
          ? `${over.count} of ${worst.p99By1sMs.length}${over.count ? ` (${over.atSeconds.join(', ')})` : ''}`
          : '',
        'bridge CPU %': round(usage.cpuPercent),
        'start() ms': round(startMs, 1),
        'start() CPU ms': round((startCpuUsed.user + startCpuUsed.system) / 1000, 1),
        'polls ok': polls.length,
        'poll ms p99': round(
          percentile(
            polls.map((p) => p.ms),
            99,
          ),
        ),
        'busy location: polls ok · ms p50 / max': pollBusy
          ? `${busyPolls.length} · ${round(percentile(busyPolls, 50))} / ${round(percentile(busyPolls, 100))}`
          : 'not polled',
        'catch-up turns · last ended s': `${catchUps.length} · ${round((catchUpsEnded - windowAt) / 1000, 2)}`,
        'prune s': round(pruned.seconds, 1),
        pruned: Object.entries(pruned.removed)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
        'journal posts': posts.length,
        'journal posts not 200': posts.filter((p) => p.status !== 200).length,
        'journal ms p99': round(
          percentile(
            posts.map((p) => p.ms),
            99,
          ),
          1,
        ),
        'webhooks received in the window': delivered,
      },
    ];
    printTable(
      `A store with ${calls.toLocaleString('en-US')} calls under load (fill: ${round(fillSeconds)} s)`,
      rows,
    );
    printTable(
      'API on the busy location meanwhile (ms)',
      latencies.map(([request, ms]) => ({
        request,
        n: ms.length,
        p50: round(percentile(ms, 50), 1),
        p99: round(percentile(ms, 99), 1),
        max: round(percentile(ms, 100), 1),
      })),
    );
    const answered = latencies.reduce((sum, [, ms]) => sum + ms.length, 0);
    const pace = read.pace;
    process.stdout.write(
      `[bigstore] API readers: ${
        pace
          ? `paced at ${pace.rate} requests/s (the seven kinds in turn, at most ${PACED_MAX_IN_FLIGHT} in flight, latency from each slot's due time): achieved ${round(pace.achievedRate, 1)}/s, ${pace.sent} of ${pace.scheduled} slots sent, ${pace.late} sent ${LATE_MS} ms or more late, ${pace.waitedForConnection} waited for a connection, ${pace.skipped} skipped, at most ${pace.maxInFlight} in flight`
          : 'back to back on 2 connections'
      }; ${answered} answered, ${round(answered / seconds, 1)}/s\n`,
    );
    recordKey('store.api_requests_answered', answered);
    recordKey('store.event_loop_delay_p99_ms', round(usage.loopP99Ms, 1));
    // The same p99 with each stall counted by its length (processMeter.ts `timeWeightedDelayMs`):
    // the histogram's p99 counts a 100 ms stall as one sample of ~60,000.
    recordKey('store.event_loop_delay_p99_ms_time_weighted', round(usage.loopP99TimeWeightedMs, 1));
    // Issue 16's p99 "throughout": the worst second and the worst 10 s of the window, and when
    // each began (s into the window), beside the whole window's p99 above.
    if (worst) {
      process.stdout.write(
        `[bigstore] event loop p99 ms of each second: ${worst.p99By1sMs.map((p99, second) => `s ${second} ${round(p99, 1)}`).join(', ')}\n`,
      );
      const windows = {
        worst_1s: worst.p99Of1s,
        worst_10s: worst.p99Of10s,
        time_weighted_worst_1s: worst.timeWeightedP99Of1s,
        time_weighted_worst_10s: worst.timeWeightedP99Of10s,
      };
      for (const [name, w] of Object.entries(windows)) {
        recordKey(`store.event_loop_delay_p99_ms_${name}`, round(w.p99Ms, 1));
        recordKey(`store.event_loop_delay_p99_ms_${name}_at_second`, w.atSecond);
      }
      recordKey(
        'store.event_loop_delay_p99_ms_by_second',
        Object.fromEntries(worst.p99By1sMs.map((p99, second) => [second, round(p99, 1)])),
      );
      recordKey('store.seconds_over_50_ms', over.count);
    }
  } finally {
    await bench.close();
    await host.close();
  }
}

/** `BENCH_BIGSTORE_POLL_BUSY`: the million-call location is polled unless `0`. */
export function busyLocationPolled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BENCH_BIGSTORE_POLL_BUSY !== '0';
}

/**
 * What storing calls costs with the big store, measured before the window with nothing else
 * running in the bridge (CPU time of the process, so a loaded machine stretches it less than
 * the wall clock): a missed call from the hot number, one ingest each (the journal's case:
 * its repeat-miss count and call-back match); and a first poll's catch-up of 450 calls of
 * numbers with history (each a `call.started` and `call.ended` of one object, as the poller
 * fires them for a call first seen settled, a third of them missed).
 */
async function measureIngest(
  bridge: BridgeService,
  locationId: string,
  hotNumber: string,
): Promise<Row[]> {
  const ingest = bridge.ingestFor(bridge.store.locations.get(locationId)!);
  const now = Date.now();
  const withNumber = (call: CallFacts, number: string): CallFacts => ({
    ...call,
    caller_number: number,
    caller_number_raw: number,
    external_number: number,
  });
  const timed = async (work: () => Promise<void>) => {
    const cpu = process.cpuUsage();
    const t = performance.now();
    await work();
    const used = process.cpuUsage(cpu);
    return { wall: performance.now() - t, cpu: (used.user + used.system) / 1000 };
  };
  const hot: Array<{ wall: number; cpu: number }> = [];
  for (let i = 0; i < 20; i++) {
    const call = withNumber(syntheticCall(900_000 + i, now - 600_000 + i * 1000), hotNumber);
    hot.push(
      await timed(() =>
        ingest.commitJournal([
          { type: 'call.ended', call },
          { type: 'call.missed', call },
        ]),
      ),
    );
  }
  const catchUp: PollerEvent[] = [];
  const CALLS = 450;
  for (let i = 0; i < CALLS; i++) {
    const number = `+6141${String((i * 7919) % 200_000).padStart(7, '0')}`;
    const base = withNumber(syntheticCall(910_000 + i, now - 1_800_000 + i * 4000), number);
    const call: CallFacts =
      i % 3 === 0 ? base : { ...base, outcome: 'answered', answered_by: '101', talk_seconds: 60 };
    catchUp.push({ type: 'call.started', call }, { type: 'call.ended', call });
    if (i % 3 === 0) catchUp.push({ type: 'call.missed', call });
  }
  const round450 = await timed(() => ingest.commitJournal(catchUp));
  const cpuOf = hot.map((h) => h.cpu);
  return [
    {
      case: 'a missed call from the hot number (20 ingests)',
      'wall p50': round(
        percentile(
          hot.map((h) => h.wall),
          50,
        ),
        2,
      ),
      'wall max': round(
        percentile(
          hot.map((h) => h.wall),
          100,
        ),
        2,
      ),
      'CPU p50': round(percentile(cpuOf, 50), 2),
      'CPU max': round(percentile(cpuOf, 100), 2),
    },
    {
      case: `a catch-up of ${CALLS} calls, per call`,
      'wall p50': round(round450.wall / CALLS, 3),
      'wall max': '',
      'CPU p50': round(round450.cpu / CALLS, 3),
      'CPU max': '',
    },
  ];
}
