import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocationIngest } from '../bridge/ingest/locationIngest';
import { StoreEnricher } from '../bridge/ingest/storeEnricher';
import { SecretBox } from '../bridge/secrets/secretBox';
import { BridgeStore } from '../bridge/store/bridgeStore';
import { parseDurationSeconds } from '../lib/duration';
import { CallPoller } from '../lib/poller/callPoller';
import type { CallLeg } from '../lib/threecx/callLeg';
import type { CallLogKeyRow } from '../lib/threecx/callLogKeys';
import { loadLine, percentile, printTable, recordKey, round } from './report';
import { syntheticLegs } from './syntheticLegs';

/**
 * A call centre's poller in its steady state: 300 calls/min, a poll every 5 s re-reading the
 * last 10 minutes (the default overlap) plus the calls in progress, nearly all of it settled
 * and stored already. The call log is served from memory as 3CX's JSON text (the bridge parses
 * it, as it would a real answer; building the text is not counted), so what is timed is the
 * bridge's own work per poll: parse, validate, settle, compare with the poller state, store
 * the few new events and the new state (SQLite on disk). No HTTP, no PBX process.
 * `BENCH_STEADY_POLLS` (default 40) polls are timed after a catch-up poll that is not.
 */
export async function steadyStateBench(): Promise<void> {
  // BENCH_STEADY_READ: `whole` (the window re-read whole, as before issue 16's fourth round),
  // `cheap` (a light pass of the key fields, then the rows of calls not finished, as
  // lib/threecx/client.ts `callLogWanted` reads them) or `both` (default), one after the other.
  const mode = process.env.BENCH_STEADY_READ ?? 'both';
  const p50s: Record<string, number> = {};
  for (const cheap of [false, true]) {
    if (mode === (cheap ? 'whole' : 'cheap')) continue;
    p50s[cheap ? 'cheap' : 'whole'] = await steadyRun(cheap);
  }
  recordKey('steady_state.call_centre_poll_cpu_ms_p50', p50s.cheap ?? p50s.whole);
  if (p50s.cheap !== undefined && p50s.whole !== undefined)
    recordKey('steady_state.call_centre_poll_cpu_ms_p50_whole_read', p50s.whole);
}

/** One steady-state run; returns the CPU per poll p50 in ms. */
async function steadyRun(cheap: boolean): Promise<number> {
  const polls = Number(process.env.BENCH_STEADY_POLLS ?? 40);
  const callsPerMinute = 300;
  const historyMinutes = 60;
  const start = Date.UTC(2026, 11, 2, 8);
  const legs = syntheticLegs({
    calls: callsPerMinute * (historyMinutes + Math.ceil((polls * 5) / 60) + 5),
    seed: 7,
    startMs: start,
    spacingMs: 60_000 / callsPerMinute,
  });
  const ends = legs.map(
    (leg) =>
      Date.parse(leg.StartTime) +
      ((parseDurationSeconds(leg.RingingDuration) ?? 0) +
        (parseDurationSeconds(leg.TalkingDuration) ?? 0)) *
        1000,
  );
  const starts = legs.map((leg) => Date.parse(leg.StartTime));
  let now = start + historyMinutes * 60_000;
  let buildMs = 0;
  let legsRead = 0;
  /** The legs the log shows for `[from, to]` now: ended ones (docs/3cx-facts.md §6), by start. */
  const loggedBetween = (from: number, to: number): CallLeg[] => {
    const rows: CallLeg[] = [];
    for (let i = 0; i < legs.length; i++)
      if (starts[i] >= from && starts[i] <= to && ends[i] <= now) rows.push(legs[i]);
    return rows;
  };
  const readLog = (from: number, to: number): CallLeg[] => {
    const t = process.cpuUsage();
    const rows = loggedBetween(from, to);
    const pages: string[] = [];
    for (let i = 0; i < rows.length; i += 500)
      pages.push(JSON.stringify({ value: rows.slice(i, i + 500) }));
    const build = process.cpuUsage(t); // CPU, like the poll's figure it is taken from
    buildMs += (build.user + build.system) / 1000;
    legsRead += rows.length;
    const parsed: CallLeg[] = [];
    for (const page of pages)
      for (const row of JSON.parse(page).value as CallLeg[]) parsed.push(row);
    return parsed;
  };
  let wholeRows = 0;
  // The cheap read: the key fields of the window as 3CX would send them for `$select`, then
  // only the wanted rows whole. Building either text is not counted; parsing both is.
  const readWanted = (from: number, to: number, wanted: (row: CallLogKeyRow) => boolean) => {
    const t = process.cpuUsage();
    const rows = loggedBetween(from, to);
    const pages: string[] = [];
    for (let i = 0; i < rows.length; i += 500)
      pages.push(
        JSON.stringify({
          value: rows.slice(i, i + 500).map((r) => ({
            CdrId: r.CdrId,
            CallHistoryId: r.CallHistoryId,
            CallId: r.CallId,
            StartTime: r.StartTime,
          })),
        }),
      );
    const build = process.cpuUsage(t);
    buildMs += (build.user + build.system) / 1000;
    legsRead += rows.length;
    const picked: number[] = [];
    let at = 0;
    for (const page of pages)
      for (const row of JSON.parse(page).value as CallLogKeyRow[]) {
        if (wanted(row)) picked.push(at);
        at++;
      }
    const t2 = process.cpuUsage();
    const whole = JSON.stringify({ value: picked.map((i) => rows[i]) });
    const build2 = process.cpuUsage(t2);
    buildMs += (build2.user + build2.system) / 1000;
    wholeRows += picked.length;
    return JSON.parse(whole).value as CallLeg[];
  };

  const dir = mkdtempSync(join(tmpdir(), '3cx-steady-'));
  const store = BridgeStore.open(join(dir, 'bridge.db'), SecretBox.ephemeral());
  try {
    const location = store.locations.create(
      { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(now),
    );
    const ingest = new LocationIngest(location, store, new StoreEnricher(), {
      now: () => now,
      publicUrl: () => 'http://127.0.0.1:1',
    });
    const poller = new CallPoller({
      source: {
        activeCalls: async () => [],
        inboundCalls: async () => [],
        abandonedQueueCalls: async () => [],
        callLog: async ({ from, to }) => readLog(from, to),
        ...(cheap
          ? {
              callLogWanted: async (
                { from, to }: { from: number; to: number },
                wanted: (row: CallLogKeyRow) => boolean,
              ) => readWanted(from, to, wanted),
            }
          : {}),
      },
      store: ingest,
      now: () => now,
      initialLookbackSeconds: historyMinutes * 60,
      settings: { settle: { country: 'AU' } },
    });
    await poller.catchUp();
    const cpuMs: number[] = [];
    const perPollLegs: number[] = [];
    const perPollWhole: number[] = [];
    let events = 0;
    for (let i = 0; i < polls; i++) {
      now += 5000;
      buildMs = 0;
      legsRead = 0;
      wholeRows = 0;
      const cpu = process.cpuUsage();
      const report = await poller.tick();
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000 - buildMs);
      perPollLegs.push(legsRead);
      perPollWhole.push(cheap ? wholeRows : legsRead);
      events += report.events.length;
    }
    let keys: number | string = 'n/a (stored as JSON)';
    try {
      keys = (
        store.db
          .prepare('SELECT COUNT(*) AS n FROM poller_call_keys WHERE location_id = ?')
          .get(location.id) as { n: number }
      ).n;
    } catch {
      // A store from before the incremental poller state (the "before" round).
    }
    const p50 = percentile(cpuMs, 50);
    printTable(
      `Steady-state call centre, ${cheap ? 'cheap read (key fields, then the rows wanted)' : 'whole window read'}: ${callsPerMinute} calls/min, a poll every 5 s, ${polls} polls timed (${loadLine()})`,
      [
        { figure: 'legs re-read per poll (median)', value: round(percentile(perPollLegs, 50)) },
        {
          figure: 'whole rows parsed per poll (median)',
          value: round(percentile(perPollWhole, 50)),
        },
        { figure: 'events stored per poll (mean)', value: round(events / polls, 1) },
        {
          figure: 'bridge CPU per poll p50 / p95 / max ms',
          value: `${round(p50, 1)} / ${round(percentile(cpuMs, 95), 1)} / ${round(percentile(cpuMs, 100), 1)}`,
        },
        {
          figure: 'bridge CPU per leg re-read µs (p50)',
          value: round((p50 * 1000) / Math.max(1, percentile(perPollLegs, 50)), 1),
        },
        { figure: 'call keys in the poller state', value: keys },
      ],
    );
    return round(p50, 1);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
