import type { CallFollowUpEvent } from '../../lib/callEvent';
import { followUpTruth, type MissTruth } from '../../sim';
import { defaultOfficeHours, OfficeSchedule } from '../../sim/officeSchedule';
import { api, subscribe } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { runCli } from '../support/runCli';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * A simulated week through the real bridge: the simulator's traffic with call backs, callers
 * ringing again, redials and repeat callers (sim/followUpTraffic.ts), polled by the bridge as a
 * real PBX would be, and the follow-up report, the reconciliation and every miss's record
 * compared with the simulator's ground truth (sim/followUpTruth.ts), figure by figure.
 *
 * Thursday 5 March 2026 00:00 to Thursday 12 March 00:00 in Adelaide (UTC+10:30): a weekend,
 * and Monday 9 March is Adelaide Cup Day, a holiday in the PBX's office hours (08:30–17:00),
 * which the bridge imports. So `call.unreturned` of a Friday-evening miss falls due on
 * Tuesday 10 March at 09:00.
 */
const WEEK_START = Date.parse('2026-03-04T13:30:00Z');
const WEEK_END = Date.parse('2026-03-11T13:30:00Z');
const STEP_SECONDS = 300;
const schedule = new OfficeSchedule(defaultOfficeHours('Australia/Adelaide'));

let t: TestBridge;
let everything: Receiver;
let inHoursOnly: Receiver;
let truth: MissTruth[];
const replied = new Set<string>();
const unreturnedAt = new Map<string, number>();

beforeAll(async () => {
  t = await startTestBridge({
    sim: { clock: { mode: 'manual', start: new Date(WEEK_START - 3600_000).toISOString() } },
    bridge: { delivery: { retry: { baseMs: 1000, maxMs: 10_000, giveUpAfterMs: 3600_000 } } },
  });
  [everything, inHoursOnly] = await Promise.all([startReceiver(), startReceiver()]);
  const location = t.bridge.store.locations.get(t.locationId)!;
  const imported = await runCli(['hours', 'import', '--location', location.id, '--db', t.dbPath]);
  expect(imported.code).toBe(0);
  for (const [receiver, filters] of [
    [everything, undefined],
    [inHoursOnly, { business_hours: 'in_hours' }],
  ] as const)
    await subscribe(t, receiver.url, 'call.missed', t.apiKey, filters);
  await t.tick();
  t.sim.clock.set(WEEK_START);
  t.sim.pbx.startTraffic({
    callsPerMinute: 0.25,
    seed: 17,
    respectOfficeHours: true,
    followUps: {},
  });
  while (t.sim.clock.now() < WEEK_END) {
    await t.advance(STEP_SECONDS);
    t.bridge.followUpSweep();
    for (const e of await newUnreturned()) unreturnedAt.set(e.call_id, t.sim.clock.now());
  }
  t.sim.pbx.stopTraffic();
  // Let the last calls end and settle, and the last deliveries go out.
  for (let i = 0; i < 24; i++) {
    await t.advance(STEP_SECONDS);
    t.bridge.followUpSweep();
  }
  await t.tick();

  truth = followUpTruth(t.sim.pbx.calls(), { isOpen: (ms) => schedule.isOpen(ms) }).filter(
    (m) => m.startedAt >= WEEK_START && m.startedAt < WEEK_END,
  );
  // The SMS step reports a reply for every fifth fired miss.
  const fired = truth.filter((m) => !m.folded);
  for (const miss of fired.filter((_, i) => i % 5 === 0)) {
    const patched = await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${miss.callId}`, {
      disposition: 'replied',
    });
    expect(patched.status).toBe(200);
    replied.add(miss.callId);
  }
}, 600_000);

afterAll(async () => {
  await t.close();
  await Promise.all([everything.close(), inHoursOnly.close()]);
});

let feedSeen = 0;
async function newUnreturned(): Promise<CallFollowUpEvent[]> {
  const rows = t.bridge.store.db
    .prepare(`SELECT payload FROM events WHERE type = 'call.unreturned' AND seq > ? ORDER BY seq`)
    .all(feedSeen) as Array<{ payload: string }>;
  const max = t.bridge.store.db.prepare(`SELECT COALESCE(MAX(seq), 0) AS s FROM events`).get() as {
    s: number;
  };
  feedSeen = Number(max.s);
  return rows.map((r) => JSON.parse(r.payload) as CallFollowUpEvent);
}

const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
function nearestRank(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

/** The report's figures, computed from the ground truth by the definitions in docs/api.md. */
function figuresOf(misses: MissTruth[]) {
  const fired = misses.filter((m) => !m.folded);
  const returnable = fired.filter((m) => m.number !== null);
  const returned = returnable.filter((m) => m.returned !== null);
  const times = returned.map((m) => (m.returned!.at - m.startedAt) / 1000);
  const calledBack = returned.filter((m) => m.returned!.via === 'callback').length;
  const recovered = times.filter((s) => s <= 86_400).length;
  const repliedCount = fired.filter((m) => replied.has(m.callId)).length;
  const repeats = fired.filter((m) => m.repeat).length;
  const afterHours = fired.filter((m) => m.afterHours).length;
  const unreturned = returnable.filter((m) => m.returned === null);
  const notReturned = unreturned.filter((m) => unreturnedAt.has(m.callId)).length;
  return {
    missed: misses.length,
    fired: fired.length,
    folded: misses.length - fired.length,
    returnable: returnable.length,
    replied: repliedCount,
    reply_rate: ratio(repliedCount, fired.length),
    returned: returned.length,
    called_back: calledBack,
    callback_rate: ratio(calledBack, returnable.length),
    recovered_24h: recovered,
    recovery_rate_24h: ratio(recovered, returnable.length),
    awaiting: unreturned.length - notReturned,
    not_returned: notReturned,
    time_to_callback_p50_seconds: nearestRank(times, 50),
    time_to_callback_p90_seconds: nearestRank(times, 90),
    repeat_misses: repeats,
    repeat_miss_rate: ratio(repeats, fired.length),
    after_hours: afterHours,
    after_hours_share: ratio(afterHours, fired.length),
  };
}

const period = `since=${new Date(WEEK_START).toISOString()}&until=${new Date(WEEK_END).toISOString()}`;

describe('a simulated week', () => {
  it('had the traffic the report is about', () => {
    const fired = truth.filter((m) => !m.folded);
    expect(truth.length).toBeGreaterThan(300);
    expect(truth.filter((m) => m.folded).length).toBeGreaterThan(5);
    expect(fired.filter((m) => m.repeat).length).toBeGreaterThan(5);
    expect(fired.filter((m) => m.returned?.via === 'callback').length).toBeGreaterThan(30);
    expect(fired.filter((m) => m.returned?.via === 'called_again').length).toBeGreaterThan(10);
    expect(fired.filter((m) => m.callbackAttempts > 0).length).toBeGreaterThan(10);
    expect(fired.filter((m) => m.number === null).length).toBeGreaterThan(0);
  });

  it('followed up every miss exactly as the simulator played it', () => {
    const wrong: string[] = [];
    for (const miss of truth) {
      const record = t.bridge.store.calls.get(t.locationId, miss.callId);
      const f = record?.followUp;
      const expected = miss.folded
        ? { status: null, via: null, by: null, at: null, attempts: null }
        : miss.number === null
          ? { status: 'no_number', via: null, by: null, at: null, attempts: 0 }
          : {
              status: miss.returned
                ? 'returned'
                : unreturnedAt.has(miss.callId)
                  ? 'not_returned'
                  : 'awaiting',
              via: miss.returned?.via ?? null,
              by: miss.returned?.by ?? null,
              at: miss.returned ? new Date(miss.returned.at).toISOString() : null,
              attempts: miss.callbackAttempts,
            };
      const actual = {
        status: f?.return_status ?? null,
        via: f?.returned_via ?? null,
        by: f?.returned_by ?? null,
        at: f?.returned_at ?? null,
        attempts: f?.callback_attempts ?? null,
      };
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        wrong.push(`${miss.callId}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('reports figures equal to the ground truth, for the week and for each day', async () => {
    const answer = await api(t.url, t.apiKey, 'GET', `/v1/reports/follow-up?${period}&group=day`);
    expect(answer.status).toBe(200);
    const [report] = answer.body.locations;
    expect(report.totals).toEqual(figuresOf(truth));
    expect(report.groups).toHaveLength(7);
    for (const group of report.groups) {
      const start = Date.parse(group.start);
      const next = start + 86_400_000;
      const { label: _label, start: _start, ...figures } = group;
      expect([group.label, figures]).toEqual([
        group.label,
        figuresOf(truth.filter((m) => m.startedAt >= start && m.startedAt < next)),
      ]);
    }
  });

  it('delivered call.missed to each Zap as its options say', async () => {
    const answer = await api(t.url, t.apiKey, 'GET', `/v1/reports/follow-up?${period}`);
    const [all, inHours] = answer.body.locations[0].subscriptions;
    const fired = truth.filter((m) => !m.folded);
    const firedInHours = fired.filter((m) => !m.afterHours).length;
    expect(all).toMatchObject({
      offered: fired.length,
      delivered: fired.length,
      filtered_out: 0,
    });
    expect(inHours).toMatchObject({
      offered: fired.length,
      delivered: firedInHours,
      filtered_out: fired.length - firedInHours,
      filtered_by: { business_hours: fired.length - firedInHours },
    });
    // And the receivers really got them.
    expect(everything.received.length).toBe(fired.length);
    expect(inHoursOnly.received.length).toBe(firedInHours);
  });

  it("reconciles 3CX's unanswered count with call.missed, the cooldown the only gap", async () => {
    const answer = await api(t.url, t.apiKey, 'GET', `/v1/reports/reconciliation?${period}`);
    const [r] = answer.body.locations;
    expect(r.pbx.unanswered).toBe(truth.length);
    expect(r.bridge).toEqual({
      missed: truth.length,
      fired: truth.filter((m) => !m.folded).length,
      folded: truth.filter((m) => m.folded).length,
    });
    expect(
      Object.fromEntries(r.lines.map((l: { key: string; count: number }) => [l.key, l.count])),
    ).toEqual({
      chats: 0,
      not_seen: 0,
      still_settling: 0,
      answered_per_bridge: 0,
      internal: 0,
      cooldown: truth.filter((m) => m.folded).length,
      missed_per_bridge_only: 0,
    });
    expect(r.balanced).toBe(true);
  });

  it('fired call.unreturned in business hours, across the weekend and the holiday', async () => {
    const events: CallFollowUpEvent[] = [];
    let cursor = '';
    do {
      const page = await api(
        t.url,
        t.apiKey,
        'GET',
        `/v1/events?event=call.unreturned&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      events.push(...(page.body.data as CallFollowUpEvent[]));
      cursor = page.body.next_cursor ?? '';
    } while (cursor);
    expect(events.length).toBeGreaterThan(5);
    const MINUTE = 60_000;
    for (const event of events) {
      const due = Date.parse(event.occurred_at);
      const missedAt = Date.parse(event.started_at);
      // Due in business hours (its last counted minute was open), and fired then.
      expect([event.call_id, schedule.isOpen(due - 1)]).toEqual([event.call_id, true]);
      expect(unreturnedAt.get(event.call_id)! - due).toBeLessThan(STEP_SECONDS * 1000);
      // Nobody had returned it by then.
      const miss = truth.find((m) => m.callId === event.call_id)!;
      expect(miss.returned === null || miss.returned.at > due).toBe(true);
      // A miss while closed falls due 30 minutes after the office next opens (on a minute).
      if (!schedule.isOpen(missedAt)) {
        // Half-hour strides to the first open one, then back minute by minute.
        let opens = Math.ceil(missedAt / MINUTE) * MINUTE;
        while (!schedule.isOpen(opens)) opens += 30 * MINUTE;
        while (opens - MINUTE > missedAt && schedule.isOpen(opens - MINUTE)) opens -= MINUTE;
        expect([event.call_id, due]).toEqual([event.call_id, opens + 30 * MINUTE]);
      }
    }
    // Misses from Friday evening to Tuesday morning fall due on Tuesday at 09:00: the weekend
    // and Monday's holiday are closed. Some of them came in before the weekend.
    const tuesday0900 = Date.parse('2026-03-09T22:30:00Z');
    const afterWeekend = events.filter((e) => Date.parse(e.occurred_at) === tuesday0900);
    for (const e of afterWeekend)
      expect(Date.parse(e.started_at)).toBeLessThan(Date.parse('2026-03-09T22:00:00Z'));
    const fridayEvening = afterWeekend.filter(
      (e) => Date.parse(e.started_at) < Date.parse('2026-03-06T13:30:00Z'),
    );
    expect(fridayEvening.length).toBeGreaterThan(0);
  });
});
