import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallFollowUpEvent } from '../../lib/callEvent';
import { startSimulator, type Simulator } from '../../sim';
import { allEvents, api } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * `call.unreturned` falls due in business hours: 30 minutes of open time after the miss, in
 * the location's zone, with weekends and holidays closed. The schedule is the database, so a
 * bridge restarted over the weekend still fires it, once, on time. The clock is the
 * simulator's, set by the test.
 *
 * Adelaide is UTC+10:30 in March 2026. Friday 6 March 18:00 = 07:30Z; Monday 9 March is a
 * holiday here (Adelaide Cup), so the deadline is Tuesday 10 March 09:30 = 9 March 23:00Z.
 */
const FRIDAY_6PM = '2026-03-06T07:30:00Z';
const MONDAY_0930 = '2026-03-08T23:00:00.000Z';
const TUESDAY_0930 = '2026-03-09T23:00:00.000Z';

let sim: Simulator;
let dir: string;
let receiver: Receiver;
const running: TestBridge[] = [];

beforeEach(async () => {
  sim = await startSimulator({
    clients: [{ clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' }],
    clock: { mode: 'manual', start: FRIDAY_6PM },
  });
  dir = mkdtempSync(join(tmpdir(), '3cx-bridge-deadline-'));
  receiver = await startReceiver();
});
afterEach(async () => {
  for (const t of running.splice(0)) await t.bridge.stop();
  await receiver.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startBridge(): Promise<TestBridge> {
  const t = await startTestBridge({ simulator: sim, dbPath: join(dir, 'bridge.db') });
  running.push(t);
  return t;
}

async function missOnFridayEvening(t: TestBridge, holidays: unknown[]): Promise<string> {
  const hours = await api(t.url, t.apiKey, 'PUT', '/v1/business-hours', {
    weekly: {
      monday: [{ start: '09:00', end: '17:00' }],
      tuesday: [{ start: '09:00', end: '17:00' }],
      wednesday: [{ start: '09:00', end: '17:00' }],
      thursday: [{ start: '09:00', end: '17:00' }],
      friday: [{ start: '09:00', end: '17:00' }],
    },
    holidays,
  });
  expect(hours.status).toBe(200);
  const hook = await api(t.url, t.apiKey, 'POST', '/v1/hooks', {
    target_url: receiver.url,
    event: 'call.unreturned',
  });
  expect(hook.status).toBe(201);
  const call = sim.pbx.placeCall({
    kind: 'direct',
    extension: '101',
    result: 'voicemail',
    messageSeconds: 20,
    caller: '+61412345002',
  });
  while (sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
  return call.callHistoryId!;
}

/**
 * Step the clock to `iso` on the half hours, sweeping at each as the bridge's timer would;
 * when something fired.
 */
function runUntil(t: TestBridge, iso: string): number[] {
  const firedAt: number[] = [];
  const end = Date.parse(iso);
  const stride = 30 * 60_000;
  while (sim.clock.now() < end) {
    sim.clock.set(Math.min(end, (Math.floor(sim.clock.now() / stride) + 1) * stride));
    if (t.bridge.followUpSweep() > 0) firedAt.push(sim.clock.now());
  }
  return firedAt;
}

async function unreturnedEvents(t: TestBridge): Promise<CallFollowUpEvent[]> {
  return (await allEvents(t)).filter((e) => e.event === 'call.unreturned') as CallFollowUpEvent[];
}

describe('call.unreturned falls due in business hours', () => {
  it('a Friday 18:00 miss falls due on Monday 09:30, not over the weekend', async () => {
    const t = await startBridge();
    const miss = await missOnFridayEvening(t, []);
    const record = await api(t.url, t.apiKey, 'GET', `/v1/calls/${miss}`);
    expect(record.body.return_due_at).toBe(MONDAY_0930);
    const fired = runUntil(t, '2026-03-09T06:30:00Z'); // Monday 17:00
    expect(fired.map((ms) => new Date(ms).toISOString())).toEqual([MONDAY_0930]);
    const [event] = await unreturnedEvents(t);
    expect(event).toMatchObject({ call_id: miss, occurred_at: MONDAY_0930 });
  });

  it('a holiday Monday moves it to Tuesday 09:30, and a restart over the weekend loses nothing', async () => {
    const first = await startBridge();
    const miss = await missOnFridayEvening(first, [{ name: 'Adelaide Cup', date: '2026-03-09' }]);
    expect(
      (await api(first.url, first.apiKey, 'GET', `/v1/calls/${miss}`)).body.return_due_at,
    ).toBe(TUESDAY_0930);
    // Stopped on Saturday; started again on Monday morning on the same database.
    expect(runUntil(first, '2026-03-07T01:00:00Z')).toEqual([]);
    await first.bridge.stop();
    running.splice(running.indexOf(first), 1);
    sim.clock.set('2026-03-08T20:00:00Z');
    const second = await startBridge();
    await second.tick();

    // The due misses are found by the partial index, not by reading every call (SQLite's
    // plan; Postgres plans by its statistics, and a near-empty table is read whole).
    if (second.bridge.store.db.dialect === 'sqlite') {
      const plan = second.bridge.store.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT location_id, call_id, return_due_at FROM calls
           WHERE return_status = 'awaiting' AND return_due_at <= ? ORDER BY return_due_at LIMIT ?`,
        )
        .all(Date.now(), 10) as unknown as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX calls_return_due/);
    }

    const fired = runUntil(second, '2026-03-10T06:30:00Z'); // Tuesday 17:00
    expect(fired.map((ms) => new Date(ms).toISOString())).toEqual([TUESDAY_0930]);
    const events = await unreturnedEvents(second);
    expect(events.map((e) => [e.call_id, e.occurred_at])).toEqual([[miss, TUESDAY_0930]]);
    // The Zap subscribed before the restart gets it.
    await second.bridge.deliverNow();
    expect(receiver.received.map((r) => (r.json as CallFollowUpEvent).id)).toEqual([
      `${miss}:call.unreturned`,
    ]);
  });
});
