import { writeHeapSnapshot } from 'node:v8';
import type { CallEventType } from '../lib/callEvent';
import type { LocationPollStatus } from '../bridge/ingest/pollScheduler';
import {
  startBenchBridge,
  type BenchBridge,
  type PollRecord,
  type TimedValue,
} from './benchBridge';
import { receiversRow, receiverTls } from './benchTls';
import { profileWindow } from './cpuProfile';
import { locationEvents, maxPageRows, subscribedBefore } from './locationsKnobs';
import { LocationsTimeline } from './locationsTimeline';
import { ProcessMeter } from './processMeter';
import {
  loadLine,
  mean,
  percentile,
  printTable,
  recordKey,
  round,
  sleep,
  type Row,
} from './report';
import { callLogDelaySeconds, SimHost } from './simHostClient';
import { STALENESS_TARGET_SECONDS, stalenessSeconds } from './staleness';

/**
 * One bridge polling many PBXs (default 200, each its own simulator with its own API client)
 * at the default interval (5 s), each with half an hour of history, at each traffic level of
 * `BENCH_LOCATIONS_CALLS_PER_MINUTE` (calls per minute per PBX, default `1,10,30`). After a
 * warm-up (every location's first poll fetches a token and the PBX version), the bridge is
 * watched for `BENCH_LOCATIONS_SECONDS` (default 90): the polls it achieves against the
 * 200 / 5 s = 40/s asked for, how long a poll takes, how stale each location's view gets, the
 * lag `GET /v1/status` reports, and what the bridge process costs (CPU, RSS, event loop).
 *
 * Legs reach the simulated call log `BENCH_CALL_LOG_DELAY_SECONDS` (default 300) after they
 * end: 3CX documents no figure, and the one reported is a 5-minute lag (docs/3cx-facts.md §6),
 * so the poller meets late legs inside its re-read window, as it would in production.
 * `locations.poll_lag_p95_seconds_by_calls_per_minute` is the staleness p95 per level.
 * `locations.events_stored_since_start_…`, `…webhooks_delivered_since_start_…` and
 * `…deliveries_pending_at_end_…` say what each level's bridge did from its start, the first
 * round's history and backlog included (the window's own figures show only its share).
 *
 * Each location subscribes the three triggers of a call's life (one with
 * `BENCH_LOCATIONS_EVENTS=call.missed`, as before 2026-12-03), at one receiver origin, over https
 * unless `BENCH_TLS=0` (bench/benchTls.ts); `BENCH_LOCATIONS_MAX_PAGE_ROWS=100` caps the PBXs'
 * report pages (bench/locationsKnobs.ts). A subscription receives only what occurred once it
 * existed (bridge/store/outbox.ts): by default the subscriptions predate the back-filled traffic,
 * a bridge restarted after downtime, and the first round's history is delivered;
 * `BENCH_LOCATIONS_SUBSCRIBED_BEFORE=0` makes them at the start, as for locations just added.
 */
export async function locationsBench(): Promise<void> {
  const pbxs = Number(process.env.BENCH_LOCATIONS ?? 200);
  const seconds = Number(process.env.BENCH_LOCATIONS_SECONDS ?? 90);
  const delaySeconds = callLogDelaySeconds();
  const levels = (process.env.BENCH_LOCATIONS_CALLS_PER_MINUTE ?? '1,10,30')
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
  const lag: Record<string, number | null> = {};
  const steadyLag: Record<string, number | null> = {};
  const worstLocationLag: Record<string, number | null> = {};
  const sinceStart: Record<string, SinceStart> = {};
  const events = locationEvents();
  const pageRows = maxPageRows();
  const before = subscribedBefore();
  printTable('Locations', [
    {
      'subscriptions a location': events.join(', '),
      'subscriptions made': before
        ? 'before the back-filled traffic (a restart after downtime)'
        : 'at the start (new locations)',
      'report page cap (rows)': pageRows ?? 'none',
      ...receiversRow(),
    },
  ]);
  await printLeftovers('before the first level', null);
  for (const callsPerMinute of levels) {
    const level = await pollingAt(
      pbxs,
      seconds,
      callsPerMinute,
      delaySeconds,
      events,
      pageRows,
      before,
    );
    lag[String(callsPerMinute)] = level.p95;
    steadyLag[String(callsPerMinute)] = level.steadyP95;
    worstLocationLag[String(callsPerMinute)] = level.worstLocationP95;
    sinceStart[String(callsPerMinute)] = level.sinceStart;
    await printLeftovers(
      `after the ${callsPerMinute} calls/min level stopped`,
      level.bridgeReleased,
    );
  }
  recordKey('locations.poll_lag_p95_seconds_by_calls_per_minute', lag);
  recordKey('locations.steady_poll_lag_p95_seconds_by_calls_per_minute', steadyLag);
  // The worst location's own p95: the pooled figure passes with a few locations left behind.
  recordKey('locations.worst_location_poll_lag_p95_seconds_by_calls_per_minute', worstLocationLag);
  // Since each level's start: the first round's history and its webhooks included.
  const keys = {
    events_stored: 'events_stored_since_start',
    webhooks_delivered: 'webhooks_delivered_since_start',
    deliveries_pending: 'deliveries_pending_at_end',
  } as const;
  for (const [field, key] of Object.entries(keys) as Array<[keyof typeof keys, string]>)
    recordKey(
      `locations.${key}_by_calls_per_minute`,
      Object.fromEntries(Object.entries(sinceStart).map(([level, v]) => [level, v[field]])),
    );
}

/** What a level's bridge did from its start to the window's end. */
interface SinceStart {
  seconds: number;
  events_stored: number;
  webhooks_delivered: number;
  deliveries_pending: number;
}

/**
 * One traffic level; returns the staleness p95 in seconds over the whole window and over its
 * second half only: at 30 calls/min the first round of catch-up polls (each reads the last 15
 * minutes of history) can reach into the window, so the second half is the steady-state figure.
 */
async function pollingAt(
  pbxs: number,
  seconds: number,
  callsPerMinute: number,
  callLogDelaySeconds: number,
  events: readonly CallEventType[],
  pageRows: number | undefined,
  subscribedBeforeTraffic: boolean,
): Promise<{
  p95: number | null;
  steadyP95: number | null;
  worstLocationP95: number | null;
  sinceStart: SinceStart;
  bridgeReleased: () => boolean;
}> {
  const warmupSeconds = 20;
  // BENCH_LOCATIONS_AFTER_FIRST_ROUND=1: the window starts only once every location has polled
  // once (at most 600 s), plus one interval: the first round's catch-up (15 minutes of history
  // stored per PBX) is then out of the window, which measures the steady state alone.
  const afterFirstRound = process.env.BENCH_LOCATIONS_AFTER_FIRST_ROUND === '1';
  const intervalMs = 5000;
  process.stdout.write(
    `[locations] ${pbxs} PBXs at ${callsPerMinute} calls/min, ${events.length} subscription(s) a location, page cap ${pageRows ?? 'none'}, simulator host processes: ${process.env.BENCH_SIM_HOSTS ?? 1}; ${loadLine()}\n`,
  );

  // BENCH_SIM_HOSTS=N: the simulated PBXs in N processes (one per core), not one.
  const host = await SimHost.start(
    Array.from({ length: pbxs }, (_, i) => ({
      seed: i + 1,
      callLogDelaySeconds,
      maxPageRows: pageRows,
      clock: { mode: 'realtime' as const },
    })),
    { processes: Number(process.env.BENCH_SIM_HOSTS ?? 1), receiverTls: receiverTls() },
  );
  let bench: BenchBridge | null = null;
  try {
    const backfillMs = 30 * 60_000;
    await host.traffic({ callsPerMinute, backfillMs });
    bench = await startBenchBridge({
      pbxUrls: host.urls,
      receiverUrl: host.receiverUrl,
      events,
      // A minute before the first back-filled call: older than the PBX clock allowance.
      subscribedAt: subscribedBeforeTraffic
        ? new Date(Date.now() - backfillMs - 60_000)
        : undefined,
    });
    const { bridge, probe } = bench;
    const rssIdle = process.memoryUsage().rss;
    // BENCH_LOCATIONS_FIRST_ROUND_PROFILE=FILE: a CPU profile from the start to the end of the
    // first round (the catch-up polls and their webhooks), apart from the window's.
    const stopFirstRoundProfile = await profileWindow(
      process.env.BENCH_LOCATIONS_FIRST_ROUND_PROFILE,
    );
    const started = performance.now();
    const watchedFrom = Date.now();
    // BENCH_LOCATIONS_TIMELINE=1: the level second by second (bench/locationsTimeline.ts).
    const timeline =
      process.env.BENCH_LOCATIONS_TIMELINE === '1' ? new LocationsTimeline(bridge, probe) : null;
    bridge.start();
    // The first round: how long until every location has polled once.
    while (new Set(probe.polls.filter((p) => p.ok).map((p) => p.locationId)).size < pbxs) {
      if (performance.now() - started > (afterFirstRound ? 600_000 : 60_000)) break;
      await sleep(50);
    }
    const firstRoundMs = performance.now() - started;
    const firstRoundTo = Date.now();
    await stopFirstRoundProfile();
    const firstRoundPolls = probe.polls.filter((p) => p.ok);
    const firstRoundFailures = probe.polls.filter((p) => !p.ok).length;
    const warmupMs = afterFirstRound ? firstRoundMs + intervalMs : warmupSeconds * 1000;
    await sleep(Math.max(0, warmupMs - (performance.now() - started)));

    const windowFrom = Date.now();
    const storedBefore = probe.eventsStored;
    const deliveredBefore = probe.deliveryOutcomes.delivered ?? 0;
    probe.roundTrips?.reset();
    const stopProfile = await profileWindow();
    const stopHostProfile = await host.profileWindow();
    const meter = new ProcessMeter();
    const hostBefore = await host.usage();
    const samples: LocationPollStatus[][] = [];
    const sampleTimes: number[] = [];
    let maxPolling = 0;
    while (Date.now() - windowFrom < seconds * 1000) {
      await sleep(1000);
      const status = bridge.scheduler.status();
      samples.push(status);
      sampleTimes.push(Date.now());
      maxPolling = Math.max(maxPolling, status.filter((s) => s.polling).length);
    }
    const windowTo = Date.now();
    timeline?.stop();
    const usage = meter.stop();
    const tripsInWindow = probe.roundTrips?.total ?? null;
    const sentInWindow = probe.roundTrips?.sent ?? 0;
    const storedInWindow = probe.eventsStored - storedBefore;
    const deliveredInWindow = (probe.deliveryOutcomes.delivered ?? 0) - deliveredBefore;
    const pendingAtEnd = bridge.store.deliveries.pendingCount();
    // Since start: the window's share hides how much of the first round's backlog went before it.
    const sinceStart = {
      seconds: round((performance.now() - started) / 1000, 1),
      events_stored: probe.eventsStored,
      webhooks_delivered: probe.deliveryOutcomes.delivered ?? 0,
      deliveries_pending: pendingAtEnd,
    };
    await stopProfile(meter.stallWindows);
    await stopHostProfile();
    const hostAfter = await host.usage();
    global.gc?.();
    const heapAfterGc = process.memoryUsage().heapUsed;
    // BENCH_HEAP_SNAPSHOT=FILE: what the bridge holds after the window (for the GC's cost).
    if (process.env.BENCH_HEAP_SNAPSHOT)
      process.stdout.write(`[heap] ${writeHeapSnapshot(process.env.BENCH_HEAP_SNAPSHOT)}\n`);

    // `GET /v1/status` for every location, with its own API key, while the polling goes on.
    const apiMs: number[] = [];
    const lagSeconds: number[] = [];
    for (const location of bench.locations) {
      const t = performance.now();
      const response = await fetch(`${bench.url}/v1/status`, {
        headers: { authorization: `Bearer ${location.apiKey}` },
      });
      const body = (await response.json()) as { poll: { lag_seconds: number | null } | null };
      apiMs.push(performance.now() - t);
      if (body.poll?.lag_seconds !== null && body.poll?.lag_seconds !== undefined)
        lagSeconds.push(body.poll.lag_seconds);
    }

    const polls = probe.polls.filter((p) => p.endedAt - p.ms >= windowFrom && p.endedAt < windowTo);
    const ok = polls.filter((p) => p.ok);
    const windowSeconds = (windowTo - windowFrom) / 1000;
    const gaps = pollGaps(
      probe.polls.filter((p) => p.ok),
      windowFrom,
      windowTo,
    );
    const perSecond = startsPerSecond(ok, windowFrom, windowTo);
    const stalenessAt = (i: number) =>
      samples[i]
        .filter((s) => s.lastPollAt !== null)
        .map((s) => (sampleTimes[i] - Date.parse(s.lastPollAt!)) / 1000);
    const sampledStaleness = samples.flatMap((_, i) => stalenessAt(i));
    const secondHalf = (windowFrom + windowTo) / 2;
    const sampledSteadyStaleness = samples.flatMap((_, i) =>
      sampleTimes[i] >= secondHalf ? stalenessAt(i) : [],
    );
    // Every 100 ms of the window for every location, from the polls (bench/staleness.ts).
    const locationIds = bench.locations.map((l) => l.id);
    const stalenessByLocation = stalenessSeconds(probe.polls, locationIds, {
      from: windowFrom,
      to: windowTo,
      watchedFrom,
      stepMs: 100,
    });
    const staleness = stalenessByLocation.flat();
    const steadyStaleness = stalenessSeconds(probe.polls, locationIds, {
      from: secondHalf,
      to: windowTo,
      watchedFrom,
      stepMs: 100,
    }).flat();
    // Each location's own p95: the pooled one hides a few locations left behind.
    const locationP95s = stalenessByLocation.map((values) => percentile(values, 95));
    const hostCpu =
      ((hostAfter.cpuMicros - hostBefore.cpuMicros) /
        1000 /
        (hostAfter.wallMs - hostBefore.wallMs)) *
      100;
    const requests = probe.requests.filter(
      (r) => r.startedAt >= windowFrom && r.startedAt < windowTo,
    );

    const byDetail = new Map<string, number>();
    const rowsByDetail = new Map<string, number>();
    for (const r of requests) {
      byDetail.set(r.detail, (byDetail.get(r.detail) ?? 0) + 1);
      rowsByDetail.set(r.detail, (rowsByDetail.get(r.detail) ?? 0) + r.rows);
    }
    // Polls started in the window: each starts with one `/ActiveCalls` (lib/poller/callPoller.ts),
    // so this counts polls that had not finished by the window's end too.
    const pollsStarted = Math.max(1, byDetail.get('activeCalls') ?? 0);
    const perPoll = [...byDetail]
      .sort((a, b) => b[1] - a[1])
      .map(
        ([detail, n]) =>
          `${detail} ${round(n / pollsStarted, 2)} (${round((rowsByDetail.get(detail) ?? 0) / n)} rows)`,
      )
      .join(', ');
    const hostCpuMsPerRequest =
      (hostAfter.cpuMicros - hostBefore.cpuMicros) / 1000 / Math.max(1, requests.length);
    const q = (values: number[], p: number, digits = 0) => round(percentile(values, p), digits);
    const beforeFirstRoundEnd = (values: readonly TimedValue[]) =>
      values.filter((v) => v.at < firstRoundTo).map((v) => v.ms);
    const inWindow = (values: readonly TimedValue[]) =>
      values.filter((v) => v.at >= windowFrom && v.at < windowTo).map((v) => v.ms);
    const answerWaits = inWindow(probe.answerWaits);
    printTable(
      `${pbxs} PBXs polled by one bridge every 5 s for ${round(windowSeconds)} s (from ${round((windowFrom - watchedFrom) / 1000, 1)} s after the start: ${afterFirstRound ? 'the first round and one interval' : `the later of the ${warmupSeconds} s warm-up and the first round’s end`}), ${callsPerMinute} call/min each, legs logged ${callLogDelaySeconds} s after they end; ${loadLine()}`,
      [
        {
          figure: 'polls/s achieved',
          value: round(ok.length / windowSeconds, 1),
          note: `asked for ${pbxs} / 5 s = ${pbxs / (intervalMs / 1000)}/s; a poll starts 4.5–5 s after the previous one started`,
        },
        { figure: 'failed polls', value: polls.length - ok.length, note: '' },
        {
          figure: 'poll duration p50 / p95 / p99 ms',
          value: `${q(
            ok.map((p) => p.ms),
            50,
          )} / ${q(
            ok.map((p) => p.ms),
            95,
          )} / ${q(
            ok.map((p) => p.ms),
            99,
          )}`,
          note: `${round(mean(requests.map((r) => r.ms)), 1)} ms per request to 3CX on average (timed in the bridge, so its own event-loop delay is included), ${round(requests.length / Math.max(1, ok.length), 1)} requests per poll`,
        },
        {
          figure: 'processing turn: wait p50 / p95 / max ms, work p50 / p95 / max ms',
          value: `${q(inWindow(probe.turnWaits), 50, 1)} / ${q(inWindow(probe.turnWaits), 95, 1)} / ${q(inWindow(probe.turnWaits), 100)}, ${q(inWindow(probe.turnWork), 50, 1)} / ${q(inWindow(probe.turnWork), 95, 1)} / ${q(inWindow(probe.turnWork), 100)}`,
          note: 'a poll’s settle-and-store waits for the polls ahead of it (bridge/workTurns.ts); a poll with an abandoned queue call has two turns',
        },
        {
          figure: '3CX answers: wait for the parse’s turn p50 / p95 / max ms',
          // At 1 call/min no answer is that large: say so rather than print NaN.
          value:
            answerWaits.length === 0
              ? 'none (no answer over the threshold)'
              : `${q(answerWaits, 50, 1)} / ${q(answerWaits, 95, 1)} / ${q(answerWaits, 100)}`,
          note: 'each answer over `SMALL_ANSWER_BYTES` is decoded and parsed in the polls’ line (bridge/threecx/threecxTransport.ts `bodyTurn`); included in the ms per request above',
        },
        {
          figure: 'requests per poll, by read',
          value: round(requests.length / pollsStarted, 2),
          note: `per poll started in the window (${pollsStarted}): ${perPoll}`,
        },
        ...(tripsInWindow === null
          ? []
          : [
              {
                figure: 'Postgres round trips per second / per poll / per event stored',
                value: `${round(tripsInWindow / windowSeconds)} / ${round(tripsInWindow / pollsStarted, 1)} / ${round(tripsInWindow / Math.max(1, storedInWindow), 1)}`,
                note: `every statement, BEGIN and COMMIT of the store in the window (bench/benchPostgres.ts \`RoundTrips\`); the event loop waits for each but the ${sentInWindow} sent without a wait`,
              },
            ]),
        {
          figure: 'simulator host CPU per request to 3CX, ms',
          value: round(hostCpuMsPerRequest, 1),
          note: 'the host’s CPU over the window / the requests started in it (traffic and Call Control included)',
        },
        {
          figure: 'time between a location’s polls p50 / p95 / max s',
          value: `${q(gaps, 50, 2)} / ${q(gaps, 95, 2)} / ${q(gaps, 100, 2)}`,
          note: 'start to start',
        },
        {
          figure: 'staleness p50 / p95 / max s',
          value: `${q(staleness, 50, 1)} / ${q(staleness, 95, 1)} / ${q(staleness, 100, 1)}`,
          note: 'now − start of the last successful poll, every 100 ms for every location, from the poll records (bench/staleness.ts)',
        },
        {
          figure: 'steady state: staleness p50 / p95 / max s',
          value: `${q(steadyStaleness, 50, 1)} / ${q(steadyStaleness, 95, 1)} / ${q(steadyStaleness, 100, 1)}`,
          note: 'the same, second half of the window only (after the first catch-up round)',
        },
        {
          figure: 'each location’s own staleness p95: worst s; locations over 6 s',
          value: `${q(locationP95s, 100, 1)}; ${locationP95s.filter((p) => p > STALENESS_TARGET_SECONDS).length} of ${locationIds.length}`,
          note: 'issue 16 asks p95 ≤ 6 s at 30 calls/min; a pooled p95 alone would pass even with 9 of 200 locations never polled (bench/staleness.ts)',
        },
        {
          figure: 'staleness as sampled before 2026-12-03: p50 / p95 / max s; steady p95',
          value: `${q(sampledStaleness, 50, 1)} / ${q(sampledStaleness, 95, 1)} / ${q(sampledStaleness, 100, 1)}; ${q(sampledSteadyStaleness, 95, 1)}`,
          note: 'now − last poll start (failed ones too), by a 1 s timer in the bridge’s process, locations not yet polled left out',
        },
        {
          figure: 'events stored / webhooks delivered in the window',
          value: `${storedInWindow} / ${deliveredInWindow}`,
          note: 'deliveries beyond the events stored are the first round’s backlog, sent in the window',
        },
        {
          figure: 'webhooks delivered/s in the window; deliveries pending at its end',
          value: `${round(deliveredInWindow / windowSeconds)}; ${pendingAtEnd}`,
          note: `${events.length} subscription(s) a location, one receiver origin; a backlog left means delivery fell behind`,
        },
        {
          figure: 'since start: events stored / webhooks delivered / pending, in s',
          value: `${sinceStart.events_stored} / ${sinceStart.webhooks_delivered} / ${sinceStart.deliveries_pending}, ${sinceStart.seconds}`,
          note: 'from bridge.start() to the window’s end: the first round’s history and backlog included',
        },
        {
          figure: 'polls started per second p5 / p50 / p95 / max',
          value: `${q(perSecond, 5)} / ${q(perSecond, 50)} / ${q(perSecond, 95)} / ${q(perSecond, 100)}`,
          note: 'how evenly the polls are spread',
        },
        { figure: 'polls in flight at once (max of 1 s samples)', value: maxPolling, note: '' },
        {
          figure: '/v1/status lag_seconds p50 / p95 / max',
          value: `${q(lagSeconds, 50)} / ${q(lagSeconds, 95)} / ${q(lagSeconds, 100)}`,
          note: 'now − last successful poll, per location',
        },
        {
          figure: 'GET /v1/status p50 / p95 ms',
          value: `${q(apiMs, 50, 1)} / ${q(apiMs, 95, 1)}`,
          note: 'the API while polling goes on',
        },
        {
          figure: 'bridge CPU, % of one core',
          value: round(usage.cpuPercent, 1),
          note: 'process.cpuUsage() over the window (PBXs and receiver are another process)',
        },
        {
          figure: 'bridge event-loop delay p50 / p99 / max ms',
          value: `${round(usage.loopP50Ms, 1)} / ${round(usage.loopP99Ms, 1)} / ${round(usage.loopMaxMs, 1)}`,
          note: `time-weighted p99 ${round(usage.loopP99TimeWeightedMs, 1)} ms; ${round(usage.loopPercentInStallsOver50Ms, 2)} % of the window in stalls over 50 ms (processMeter.ts)`,
        },
        {
          figure: 'bridge RSS: idle / peak MiB',
          value: `${round(rssIdle / 2 ** 20)} / ${round(usage.peakRssMiB)}`,
          note: 'idle = all locations created, before start()',
        },
        {
          figure: 'bridge heap in use after a full GC MiB',
          value: round(heapAfterGc / 2 ** 20),
          note: 'what is really retained (RSS also holds garbage not yet collected)',
        },
        {
          figure: 'PBX simulators + receiver CPU, % of one core',
          value: round(hostCpu, 1),
          note: 'the other process, for scale',
        },
        {
          figure: 'first round: all locations polled once after s',
          value: round(firstRoundMs / 1000, 1),
          note: `${firstRoundPolls.length} polls ok, ${firstRoundFailures} failed (token + version + first read)`,
        },
        ...firstRoundRows(probe, watchedFrom, firstRoundTo),
        {
          figure: 'first round: turn wait p50 / p95 / max ms, work p50 / p95 / max ms',
          value: `${q(beforeFirstRoundEnd(probe.turnWaits), 50, 1)} / ${q(beforeFirstRoundEnd(probe.turnWaits), 95, 1)} / ${q(beforeFirstRoundEnd(probe.turnWaits), 100)}, ${q(beforeFirstRoundEnd(probe.turnWork), 50, 1)} / ${q(beforeFirstRoundEnd(probe.turnWork), 95, 1)} / ${q(beforeFirstRoundEnd(probe.turnWork), 100)}`,
          note: 'the catch-up polls’ turns (the last 15 minutes of the half hour of history each) and the polls of locations already caught up',
        },
      ] satisfies Row[],
    );
    timeline?.dump(process.env.BENCH_LOCATIONS_TIMELINE_DUMP, {
      watchedFrom,
      firstRoundTo,
      windowFrom,
      windowTo,
    });
    timeline?.print({
      from: Math.max(watchedFrom, windowFrom - 10_000),
      to: windowTo,
      watchedFrom,
      locationIds,
      halves: [
        { label: 'before the window (10 s)', from: windowFrom - 10_000, to: windowFrom },
        { label: 'window, first half', from: windowFrom, to: secondHalf },
        { label: 'window, second half', from: secondHalf, to: windowTo },
      ],
    });
    if (probe.roundTrips)
      printTable(
        'Postgres round trips in the window, by statement',
        probe.roundTrips.top(12, pollsStarted, 'poll'),
      );
    return {
      p95: staleness.length === 0 ? null : q(staleness, 95, 1),
      steadyP95: steadyStaleness.length === 0 ? null : q(steadyStaleness, 95, 1),
      worstLocationP95: locationP95s.length === 0 ? null : q(locationP95s, 100, 1),
      sinceStart,
      bridgeReleased: watchRelease(bridge),
    };
  } finally {
    await bench?.close();
    await host.close();
  }
}

/**
 * What a level leaves behind once its bridge, simulator host and receiver have stopped: the
 * process's active handles and requests, the heap after a full GC, and whether the stopped
 * bridge itself was let go. A later level of the same process should start as a fresh bridge
 * would (BENCHMARKS.md, `lag30`). Asked with a FinalizationRegistry, not a WeakRef: a WeakRef's
 * `deref()` keeps its target alive until the end of the job (V8's KeepDuringJob), which made
 * a bridge let go look kept.
 */
async function printLeftovers(when: string, bridgeReleased: (() => boolean) | null) {
  // Closed sockets and timers are released on the loop's next turns; the registry's callback
  // runs in a task of its own after the collection.
  for (let i = 0; i < 3; i++) {
    await sleep(100);
    global.gc?.();
  }
  await sleep(100);
  const resources = new Map<string, number>();
  for (const name of process.getActiveResourcesInfo())
    resources.set(name, (resources.get(name) ?? 0) + 1);
  const listed = [...resources].map(([name, n]) => `${name} ${n}`).join(', ');
  const released = bridgeReleased === null ? 'n/a' : bridgeReleased() ? 'yes' : 'no';
  // BENCH_LEFTOVERS_SNAPSHOT=FILE: a heap snapshot when the stopped bridge was not let go.
  if (released === 'no' && process.env.BENCH_LEFTOVERS_SNAPSHOT)
    process.stdout.write(`[heap] ${writeHeapSnapshot(process.env.BENCH_LEFTOVERS_SNAPSHOT)}\n`);
  process.stdout.write(
    `[locations] ${when}: heap after GC ${round(process.memoryUsage().heapUsed / 2 ** 20)} MiB, RSS ${round(process.memoryUsage().rss / 2 ** 20)} MiB, stopped bridge let go: ${released}, active resources: ${listed || 'none'}\n`,
  );
}

/** Which stopped bridges the garbage collector has let go of (`printLeftovers`). */
const releasedBridges = new Set<number>();
const bridgeRegistry = new FinalizationRegistry<number>((id) => releasedBridges.add(id));
let bridgesWatched = 0;

/** Watch a bridge; the function says whether it has been collected since. */
function watchRelease(bridge: object): () => boolean {
  const id = ++bridgesWatched;
  bridgeRegistry.register(bridge, id);
  return () => releasedBridges.has(id);
}

/**
 * Where the first round's time goes: when each location's first successful poll started and
 * ended (s after the bridge's start), and the catch-up line's turns apart from the steady
 * line's (bridge/workTurns.ts): a late first poll either read late, waited in its line, or
 * worked long.
 */
function firstRoundRows(
  probe: BenchBridge['probe'],
  watchedFrom: number,
  firstRoundTo: number,
): Row[] {
  const first = new Map<string, PollRecord>();
  for (const p of probe.polls) if (p.ok && !first.has(p.locationId)) first.set(p.locationId, p);
  const starts = [...first.values()].map((p) => (p.endedAt - p.ms - watchedFrom) / 1000);
  const ends = [...first.values()].map((p) => (p.endedAt - watchedFrom) / 1000);
  // From a location's first poll's end to its second poll's start and end: its view stays as
  // old as the first poll's start until the second ends (bench/staleness.ts).
  const secondRequests: number[] = [];
  const secondRequestMs: number[] = [];
  const secondStart: number[] = [];
  const secondEnd: number[] = [];
  for (const [location, p] of first) {
    const next = probe.polls.find(
      (q) => q.ok && q.locationId === location && q.endedAt - q.ms >= p.endedAt - 1,
    );
    if (next === undefined) continue;
    secondStart.push((next.endedAt - next.ms - p.endedAt) / 1000);
    secondEnd.push((next.endedAt - p.endedAt) / 1000);
    const from = next.endedAt - next.ms;
    const requests = probe.requests.filter(
      (r) => r.locationId === location && r.startedAt >= from - 1 && r.startedAt <= next.endedAt,
    );
    secondRequests.push(requests.length);
    secondRequestMs.push(requests.reduce((sum, r) => sum + r.ms, 0) / 1000);
  }
  const spread = (values: number[], digits = 1) =>
    values.length === 0
      ? 'none'
      : `${round(percentile(values, 50), digits)} / ${round(percentile(values, 95), digits)} / ${round(percentile(values, 100), digits)}`;
  const line = (catchUp: boolean, values: readonly TimedValue[]) =>
    values.filter((v) => v.at < firstRoundTo && (v.catchUp === true) === catchUp).map((v) => v.ms);
  const sum = (values: number[]) => round(values.reduce((a, b) => a + b, 0) / 1000, 1);
  return [
    {
      figure: 'first round: first poll start / end p50 / p95 / max s',
      value: `${spread(starts)}; ${spread(ends)}`,
      note: 'each location’s first successful poll, seconds after the bridge started',
    },
    {
      figure: 'after the first poll: second poll start / end p50 / p95 / max s later',
      value: `${spread(secondStart)}; ${spread(secondEnd)}`,
      note: 'from each location’s first poll’s end (bridge/ingest/pollScheduler.ts `nextDelay`)',
    },
    {
      figure: 'second poll: requests to 3CX p50 / max; their summed s p50 / p95 / max',
      value: `${round(percentile(secondRequests, 50))} / ${round(percentile(secondRequests, 100))}; ${spread(secondRequestMs)}`,
      note: 'the reads of each location’s second poll (sequential ones add up, concurrent ones overlap)',
    },
    {
      figure:
        'first round: catch-up turns wait p50 / p95 / max ms; work p50 / p95 / max ms, total s',
      value: `${spread(line(true, probe.turnWaits), 0)}; ${spread(line(true, probe.turnWork), 0)}, ${sum(line(true, probe.turnWork))}`,
      note: `${line(true, probe.turnWork).length} turns in the catch-up line, one at a time (bridge/workTurns.ts)`,
    },
    {
      figure: 'first round: steady turns wait p50 / p95 / max ms; work p50 / p95 / max ms, total s',
      value: `${spread(line(false, probe.turnWaits), 0)}; ${spread(line(false, probe.turnWork), 0)}, ${sum(line(false, probe.turnWork))}`,
      note: `${line(false, probe.turnWork).length} turns of polls not reading history`,
    },
  ];
}

/** Start-to-start time between consecutive polls of each location, for polls in the window. */
function pollGaps(polls: readonly PollRecord[], from: number, to: number): number[] {
  const starts = new Map<string, number[]>();
  for (const p of polls) {
    const list = starts.get(p.locationId) ?? [];
    list.push(p.endedAt - p.ms);
    starts.set(p.locationId, list);
  }
  const gaps: number[] = [];
  for (const list of starts.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++)
      if (list[i] >= from && list[i] < to) gaps.push((list[i] - list[i - 1]) / 1000);
  }
  return gaps;
}

/** How many polls started in each whole second of the window. */
function startsPerSecond(polls: readonly PollRecord[], from: number, to: number): number[] {
  const buckets = new Array<number>(Math.floor((to - from) / 1000)).fill(0);
  for (const p of polls) {
    const i = Math.floor((p.endedAt - p.ms - from) / 1000);
    if (i >= 0 && i < buckets.length) buckets[i]++;
  }
  return buckets;
}
