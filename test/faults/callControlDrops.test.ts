import type { SimCall } from '../../sim';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * 20 forced socket drops during traffic (docs/3cx-facts.md §2.5: no resume): while the stream
 * is down the location runs on polling alone, and after each reconnect the snapshot is
 * reconciled. Against the simulator's ground truth, every call gets its events exactly once,
 * under one call id, whichever source produced them. Bounded: a fixed number of calls and
 * steps; no timing is asserted.
 */
const EXTENSIONS = ['101', '102', '103', '104', '105', '106', '107', '108', '109', '110'];
const DROPS = 20;
const TRAFFIC_SECONDS = 8 * 60;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Call Control: forced socket drops during traffic', () => {
  let t: TestBridge;
  afterEach(() => t?.close());

  it('loses and duplicates nothing across 20 drops', async () => {
    t = await startTestBridge({
      sim: {
        clients: [
          {
            clientId: 'bridge',
            clientSecret: 'bridge-secret',
            callControl: { monitor: EXTENSIONS },
          },
        ],
        callControl: { duplicateUpserts: 0.25 },
      },
      settings: { fastSettleQuietSeconds: 0.2 },
      bridge: { callControlTiming: { backoffBaseMs: 20, backoffMaxMs: 100 } },
    });
    const { sim, bridge, locationId } = t;
    bridge.callControl.start();
    sim.pbx.startTraffic({ callsPerMinute: 25, seed: 7 });

    let drops = 0;
    for (let second = 1; second <= TRAFFIC_SECONDS; second++) {
      sim.clock.advance(1);
      await pause(25);
      if (second % 5 === 0) await t.tick();
      if (second % 24 === 12 && drops < DROPS) {
        sim.faults.inject({ kind: 'streamDrop', forSeconds: 0.5 });
        drops++;
      }
    }
    sim.pbx.stopTraffic();
    const calls = sim.pbx.calls();
    const lastEnd = Math.max(...calls.map((c) => c.endedAt));
    while (sim.clock.now() < lastEnd + 30_000) await t.advance(5);
    await t.advance(5);
    await pause(300);

    expect(drops).toBe(DROPS);
    expect(bridge.callControl.statusOf(locationId)!.reconnects).toBeGreaterThanOrEqual(DROPS);
    // The stream did work between the drops (else this would test polling alone).
    expect(bridge.callControl.statusOf(locationId)!.fast_misses).toBeGreaterThan(10);

    const events = bridge.store.db
      .prepare('SELECT type, call_id FROM events WHERE location_id = ?')
      .all(locationId) as Array<{ type: string; call_id: string }>;
    const byHistoryId = new Map(calls.map((c) => [c.callHistoryId, c]));
    const byCallId = new Map(calls.map((c) => [c.callId, c]));
    const simCallOf = (callId: string): SimCall | undefined => {
      const stream = /^cc-(\d+)-/.exec(callId);
      return stream ? byCallId.get(Number(stream[1])) : byHistoryId.get(callId);
    };
    const seen = new Map<number, Map<string, Set<string>>>();
    for (const e of events) {
      const call = simCallOf(e.call_id);
      expect(call).toBeDefined();
      const types = seen.get(call!.callId) ?? new Map<string, Set<string>>();
      const ids = types.get(e.type) ?? new Set<string>();
      ids.add(e.call_id);
      types.set(e.type, ids);
      seen.set(call!.callId, types);
    }

    const missing: string[] = [];
    const duplicated: string[] = [];
    for (const call of calls) {
      const types = seen.get(call.callId) ?? new Map<string, Set<string>>();
      const all = new Set([...types.values()].flatMap((s) => [...s]));
      if (all.size > 1) duplicated.push(`${call.callId}: ${[...all].join(', ')}`);
      const { direction, outcome } = call.expected;
      if (direction === 'internal') {
        if (types.size > 0) duplicated.push(`${call.callId}: internal call fired events`);
        continue;
      }
      if (!types.has('call.ended')) missing.push(`${call.callId} ${call.kind}: call.ended`);
      const shouldMiss = direction === 'inbound' && outcome !== 'answered';
      if (shouldMiss && !types.has('call.missed'))
        missing.push(`${call.callId} ${call.kind}: call.missed`);
      if (!shouldMiss && types.has('call.missed'))
        duplicated.push(
          `${call.callId} ${call.kind} (${outcome}): a call.missed it should not have`,
        );
    }
    expect({ missing, duplicated }).toEqual({ missing: [], duplicated: [] });
    expect(calls.length).toBeGreaterThan(150);
  }, 240_000);
});
