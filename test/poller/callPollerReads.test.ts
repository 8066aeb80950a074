import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CallPoller, type CallHistorySource } from '../../lib/poller/callPoller';
import { MemoryPollerStore, initialPollerState } from '../../lib/poller/pollerState';
import type { CallLeg } from '../../lib/threecx/callLeg';
import type { CallLogWantedOptions } from '../../lib/threecx/client';
import type { ActiveCall } from '../../lib/threecx/xapiTypes';
import { parseUtcMillis } from '../../lib/utcTime';

/**
 * The order of one tick's reads (issue 16: a poll was seven requests one after another). The
 * inbound-calls report may run beside the targeted call-log reads, but only once the light pass
 * has fixed which rows come back: a leg logged before the report was read then always has its
 * DID in it.
 */
const legs: CallLeg[] = JSON.parse(
  readFileSync(
    join(__dirname, '..', 'fixtures', 'calls', '07-voicemail-with-message.json'),
    'utf8',
  ),
).legs;
const callKey = String(legs[0].CallHistoryId);
const start = parseUtcMillis(legs[0].StartTime);
const now = start + 10 * 60_000;
const DID = '+61881234567';
/** The inbound-calls report: the call came in on trunk 10000, dialling DID. */
const INBOUND_ROWS = [
  {
    CdrId: 'in-1',
    CallHistoryId: callKey,
    Did: DID,
    SourceDn: '10000',
    StartTime: legs[0].StartTime,
  },
];

/** A source that logs each read as it starts and as it ends, in order. */
function sourceFor(log: string[], wantedRows: CallLeg[]): CallHistorySource {
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  return {
    activeCalls: async () => {
      log.push('activeCalls');
      return [];
    },
    callLog: async () => {
      log.push('whole call log');
      await turn();
      log.push('whole call log answered');
      return wantedRows;
    },
    callLogWanted: async (_query, wanted, options?: CallLogWantedOptions) => {
      log.push('light pass');
      await turn();
      options?.onLightPass?.(wantedRows.filter((row) => wanted(row)).length);
      log.push('targeted reads');
      await turn();
      await turn();
      log.push('targeted reads answered');
      return wantedRows;
    },
    inboundCalls: async () => {
      log.push('inbound report');
      return INBOUND_ROWS;
    },
    abandonedQueueCalls: async () => [],
  };
}

/** A store holding one finished call in the window, so the tick takes the cheap re-read. */
function storeWithHistory() {
  const store = new MemoryPollerStore();
  store.state = {
    ...initialPollerState(now - 60_000),
    finished: new Map([['an-earlier-call', now - 5 * 60_000]]),
  };
  return store;
}

function pollerOver(source: CallHistorySource, store: MemoryPollerStore) {
  return new CallPoller({
    source,
    store,
    now: () => now,
    settings: { settle: { graceSeconds: 10, country: 'AU' } },
  });
}

describe('the reads of one tick', () => {
  it('reads the inbound report beside the targeted reads, once the light pass is in, and the call keeps its DID', async () => {
    const log: string[] = [];
    const store = storeWithHistory();
    await pollerOver(sourceFor(log, legs), store).tick();
    expect(log).toEqual([
      'activeCalls',
      'light pass',
      'inbound report',
      'targeted reads',
      'targeted reads answered',
    ]);
    const missed = store.events.filter((e) => e.type === 'call.missed');
    expect(missed.map((e) => [e.call.call_id, e.call.dialed_number])).toEqual([[callKey, DID]]);
  });

  it('reads no inbound report when the light pass finds nothing wanted', async () => {
    const log: string[] = [];
    await pollerOver(sourceFor(log, []), storeWithHistory()).tick();
    expect(log).toEqual(['activeCalls', 'light pass', 'targeted reads', 'targeted reads answered']);
  });

  it('reads the inbound report only after a whole read of the call log (no light pass to wait for)', async () => {
    const log: string[] = [];
    const store = new MemoryPollerStore();
    store.state = initialPollerState(now - 60_000);
    await pollerOver(sourceFor(log, legs), store).tick();
    expect(log).toEqual([
      'activeCalls',
      'whole call log',
      'whole call log answered',
      'inbound report',
    ]);
  });

  it('fails the tick, storing nothing, when the targeted reads fail after the report was asked for', async () => {
    const log: string[] = [];
    const store = storeWithHistory();
    const before = structuredClone(store.state);
    const source = sourceFor(log, legs);
    source.callLogWanted = async (_query, _wanted, options) => {
      options?.onLightPass?.(1);
      throw new Error('3CX answered 502');
    };
    await expect(pollerOver(source, store).tick()).rejects.toThrow('502');
    expect(log).toEqual(['activeCalls', 'inbound report']);
    expect(store.state).toEqual(before);
    expect(store.events).toEqual([]);
  });
});

describe('the legs of a pending call', () => {
  /** A PBX where the first leg is logged 20 s in and the voicemail leg 58.5 s in. */
  function pbxAt(t: number) {
    return {
      rows: legs.filter((_, i) => t >= start + (i === 0 ? 20_000 : 58_500)),
      active: t < start + 58_500 ? [{ Id: Number(legs[0].CallId) }] : [],
    };
  }

  function pollerAt(
    clock: { t: number },
    cheap: boolean,
    asked: string[][],
    reports: { at: number[]; failAt?: number } = { at: [] },
  ) {
    const store = new MemoryPollerStore();
    store.state = {
      ...initialPollerState(start - 60_000),
      finished: new Map([['an-earlier-call', start - 120_000]]),
    };
    const source: CallHistorySource = {
      activeCalls: async () => pbxAt(clock.t).active as never,
      callLog: async () => pbxAt(clock.t).rows,
      inboundCalls: async () => {
        reports.at.push(clock.t - start);
        if (clock.t - start === reports.failAt) throw new Error('the report timed out');
        return INBOUND_ROWS;
      },
      abandonedQueueCalls: async () => [],
    };
    if (cheap)
      // A PBX answering the light pass and the targeted reads: the rows `wanted` picks.
      source.callLogWanted = async (_query, wanted, options) => {
        const picked = pbxAt(clock.t).rows.filter((row) => wanted(row));
        options?.onLightPass?.(picked.length);
        asked.push(picked.map((row) => String(row.CdrId)));
        return picked;
      };
    const poller = new CallPoller({
      source,
      store,
      now: () => clock.t,
      settings: { settle: { graceSeconds: 10, country: 'AU' } },
    });
    return { poller, store };
  }

  it('are not asked for again while the call is pending, and it settles as with whole reads', async () => {
    const clock = { t: start + 30_000 };
    const asked: string[][] = [];
    const cheap = pollerAt(clock, true, asked);
    const whole = pollerAt(clock, false, []);
    for (const t of [30_000, 50_000, 80_000]) {
      clock.t = start + t;
      await cheap.poller.tick();
      await whole.poller.tick();
    }
    // The first leg once; nothing new at 50 s; then only the voicemail leg.
    expect(asked).toEqual([[legs[0].CdrId], [], [legs[1].CdrId]]);
    expect(cheap.store.events.map((e) => e.type)).toEqual([
      'call.started',
      'call.ended',
      'call.missed',
    ]);
    expect(cheap.store.events).toEqual(whole.store.events);
    expect(cheap.store.events[2].call.dialed_number).toBe(DID);
  });

  it('a poll that reads no new row asks for no inbound report: the DIDs it has are its last', async () => {
    const clock = { t: start };
    const reports = { at: [] as number[] };
    const { poller, store } = pollerAt(clock, true, [], reports);
    for (const t of [30_000, 50_000, 55_000, 80_000]) {
      clock.t = start + t;
      await poller.tick();
    }
    // Asked when the first leg came and when the voicemail leg came; not in between.
    expect(reports.at).toEqual([30_000, 80_000]);
    expect(store.events.map((e) => [e.type, e.call.dialed_number])).toEqual([
      ['call.started', DID],
      ['call.ended', DID],
      ['call.missed', DID],
    ]);
  });

  it('after a report that failed, the next poll asks again even with nothing new', async () => {
    const clock = { t: start };
    const reports = { at: [] as number[], failAt: 30_000 };
    const { poller } = pollerAt(clock, true, [], reports);
    for (const t of [30_000, 50_000, 55_000]) {
      clock.t = start + t;
      await poller.tick();
    }
    expect(reports.at).toEqual([30_000, 50_000]);
  });
});

describe('the turn a tick asks for', () => {
  /** The options of each processing turn the poller asked for. */
  function pollerAsking(store: MemoryPollerStore, clock: { t: number }, turns: unknown[]) {
    return new CallPoller({
      source: sourceFor([], legs),
      store,
      now: () => clock.t,
      settings: { settle: { graceSeconds: 10, country: 'AU' }, maxCatchUpSeconds: 3600 },
      processingTurn: (work, options) => {
        turns.push(options);
        return work();
      },
    });
  }

  it("a location's first tick, reading history, asks for a catch-up turn; the next one does not", async () => {
    const clock = { t: now };
    const turns: unknown[] = [];
    const poller = pollerAsking(new MemoryPollerStore(), clock, turns);
    await poller.tick();
    clock.t += 5000;
    await poller.tick();
    expect(turns).toEqual([{ catchUp: true }, { catchUp: false }]);
  });

  it('a tick catching up after an outage asks for a catch-up turn', async () => {
    const clock = { t: now };
    const turns: unknown[] = [];
    const store = new MemoryPollerStore();
    // Three hours behind with at most an hour a tick: catching up.
    store.state = initialPollerState(now - 3 * 3600_000);
    await pollerAsking(store, clock, turns).tick();
    expect(turns).toEqual([{ catchUp: true }]);
  });
});

describe('how far back a tick reads', () => {
  /** The `from` of every call-log read, in order. */
  function pollerRecording(
    store: MemoryPollerStore,
    clock: { t: number },
    froms: number[],
    active: ActiveCall[] = [],
  ) {
    const source = sourceFor([], legs);
    source.activeCalls = async () => active;
    source.callLog = async (query) => {
      froms.push(query.from);
      return legs;
    };
    source.callLogWanted = async (query) => {
      froms.push(query.from);
      return legs;
    };
    return new CallPoller({
      source,
      store,
      now: () => clock.t,
      initialLookbackSeconds: 900,
      settings: { settle: { graceSeconds: 10, country: 'AU' }, overlapSeconds: 600 },
    });
  }

  it("a new location's first tick reads exactly the initial lookback, not the overlap before it too", async () => {
    const froms: number[] = [];
    await pollerRecording(new MemoryPollerStore(), { t: now }, froms).tick();
    expect(froms).toEqual([now - 900_000]);
  });

  it("a new location's second tick does not read before its first either, though a call in progress held the watermark", async () => {
    const froms: number[] = [];
    const clock = { t: now };
    // The call (started 10 minutes before `now`) is still up: pending, it holds the watermark.
    const active = [{ Id: legs[0].CallId } as ActiveCall];
    const store = new MemoryPollerStore();
    const poller = pollerRecording(store, clock, froms, active);
    await poller.tick();
    clock.t += 5000;
    await poller.tick();
    // Both from the initial lookback: the overlap re-reads what an earlier read saw, and
    // nothing before the first read was ever read (docs/design.md, "What a subscription
    // receives"); one overlap further back was 10 minutes more of history, stored and
    // delivered by every new location's second poll (BENCHMARKS.md, `lag32`).
    expect(froms).toEqual([now - 900_000, now - 900_000]);
    // Nothing of the call held is lost: it settles once it is over, from the legs read.
    expect(store.events.filter((e) => e.type !== 'call.started')).toEqual([]);
    active.length = 0;
    clock.t += 5000;
    await poller.tick();
    expect(froms[2]).toBe(now - 900_000);
    expect(store.events.map((e) => e.type)).toEqual(['call.started', 'call.ended', 'call.missed']);
  });

  it('a later tick re-reads the overlap behind its watermark (legs landing late)', async () => {
    const froms: number[] = [];
    const store = new MemoryPollerStore();
    store.state = initialPollerState(now - 60_000);
    await pollerRecording(store, { t: now }, froms).tick();
    expect(froms).toEqual([now - 60_000 - 600_000]);
  });
});
