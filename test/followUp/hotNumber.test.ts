import fc from 'fast-check';
import { syntheticCall } from '../../bench/syntheticEvents';
import { FollowUpTracker } from '../../bridge/followUp/followUpTracker';
import { LocationIngest } from '../../bridge/ingest/locationIngest';
import { StoreEnricher } from '../../bridge/ingest/storeEnricher';
import type { BridgeStore } from '../../bridge/store/bridgeStore';
import { openTestStore } from '../store/support';
import { testStoreKind } from '../support/postgres/testPostgres';
import type { TrackedMiss } from '../../bridge/store/followUps';
import { matchCallback } from '../../lib/followUp/callbackMatch';
import type { PollerEvent } from '../../lib/poller/pollerState';
import type { CallFacts } from '../../lib/settledCall';

/**
 * Call-back matching is incremental (bridge/followUp/followUpTracker.ts): a new call of a
 * number re-matches only the misses it can move, not all of the number's history. These tests
 * hold it to the full match: after any sequence of calls, learnt in any order and batching,
 * some first in progress and settled later (with an earlier start), every followed-up miss
 * must be exactly what matching it against all the number's calls gives.
 */
const NOW = Date.UTC(2026, 11, 2, 9);
const DAY = 86_400_000;
const NUMBER = '+61412300001';

type Kind = 'miss' | 'answered_in' | 'callback' | 'attempt';

/** A call of NUMBER of one kind (ids from `i`), started at `startedMs`, 12 minutes long. */
function callOf(i: number, kind: Kind, startedMs: number): CallFacts {
  const base = { ...syntheticCall(i, startedMs), external_number: NUMBER, caller_number: NUMBER };
  base.ended_at = new Date(startedMs + 12 * 60_000).toISOString();
  if (kind === 'miss') return base;
  if (kind === 'answered_in')
    return { ...base, outcome: 'answered', answered_by: '101', talk_seconds: 30 };
  return {
    ...base,
    direction: 'outbound',
    outcome: kind === 'callback' ? 'answered' : 'missed',
    caller_number: '102',
    callee_number: NUMBER,
    answered_by: kind === 'callback' ? NUMBER : null,
  };
}

/** Its events once settled: a miss also fires `call.missed`. */
function endedEvents(call: CallFacts): PollerEvent[] {
  const ended: PollerEvent = { type: 'call.ended', call };
  return call.direction === 'inbound' && call.outcome === 'missed'
    ? [ended, { type: 'call.missed', call }]
    : [ended];
}

let store: BridgeStore;
let closeStore: () => void;
beforeEach(async () => {
  // The store this run tests (SQLite, or Postgres under `npm run test:postgres`).
  const opened = await openTestStore(testStoreKind());
  store = opened.store;
  closeStore = opened.close;
});
afterEach(() => closeStore());

/** A new location of the store (each property run its own: locations never mix). */
function openLocation() {
  // No dialler cooldown: every miss is followed up.
  const location = store.locations.create(
    { name: `Hot line ${Math.random()}`, country: 'AU', timezone: 'Australia/Adelaide' },
    new Date(NOW - 60 * DAY),
  );
  const tracker = new FollowUpTracker(store, { publicUrl: () => 'http://127.0.0.1:1' });
  const ingest = new LocationIngest(location, store, new StoreEnricher(), {
    now: () => NOW,
    publicUrl: () => 'http://127.0.0.1:1',
    afterStored: (loc, stored, now, before) => tracker.afterCallsStored(loc, stored, now, before),
  });
  return { store, location, ingest };
}

/** Every followed-up miss as stored, and as a full match against all the calls makes it. */
function storedAndExpected(store: BridgeStore, locationId: string) {
  const calls = store.followUps.callsOf(locationId, NUMBER, '');
  const misses = store.db
    .prepare(
      `SELECT call_id, started_at, return_status, returned_call_id, returned_at, callback_attempts
       FROM calls WHERE location_id = ? AND return_status IS NOT NULL ORDER BY call_id`,
    )
    .all(locationId) as Array<Record<string, unknown>>;
  const horizon = new Date(NOW - 30 * DAY).toISOString();
  return misses
    .filter((m) => String(m.started_at) >= horizon)
    .map((m) => {
      const result = matchCallback(
        { call_id: String(m.call_id), started_at: String(m.started_at) },
        calls,
      );
      return {
        stored: {
          call: m.call_id,
          status: m.return_status,
          by: m.returned_call_id,
          at: m.returned_at,
          attempts: m.callback_attempts,
        },
        expected: {
          call: m.call_id,
          status: result.returned ? 'returned' : 'awaiting',
          by: result.returned?.call_id ?? null,
          at: result.returned?.at ?? null,
          attempts: result.callback_attempts,
        },
      };
    });
}

const countEvents = (store: BridgeStore, locationId: string, type: string) =>
  Number(
    (
      store.db
        .prepare('SELECT COUNT(*) AS n FROM events WHERE location_id = ? AND type = ?')
        .get(locationId, type) as { n: number }
    ).n,
  );

describe('a number with hundreds of misses', () => {
  it('a late call back before an earlier return moves the returned misses, not only the open ones', async () => {
    const { store, location, ingest } = openLocation();
    // 200 misses over ten days; a call back answered on day 5 returns the first hundred.
    const misses = Array.from({ length: 200 }, (_, i) =>
      callOf(i, 'miss', NOW - 10 * DAY + i * 72 * 60_000),
    );
    const dayFive = callOf(1000, 'callback', NOW - 10 * DAY + 100 * 72 * 60_000 - 60_000);
    await ingest.commitJournal([...misses, dayFive].flatMap(endedEvents));
    const first = store.calls.get(location.id, misses[0].call_id)!;
    expect(first.followUp).toMatchObject({
      return_status: 'returned',
      returned_call_id: dayFive.call_id,
    });
    expect(store.calls.get(location.id, misses[150].call_id)!.followUp.return_status).toBe(
      'awaiting',
    );

    // A call back answered on day 2, learnt only now: the misses before it are returned by
    // it instead (earlier), those between it and day 5 stay returned by day 5.
    const dayTwo = callOf(1001, 'callback', NOW - 10 * DAY + 40 * 72 * 60_000 - 60_000);
    await ingest.commitJournal(endedEvents(dayTwo));
    expect(store.calls.get(location.id, misses[0].call_id)!.followUp).toMatchObject({
      return_status: 'returned',
      returned_call_id: dayTwo.call_id,
      returned_at: dayTwo.started_at,
    });
    expect(store.calls.get(location.id, misses[60].call_id)!.followUp.returned_call_id).toBe(
      dayFive.call_id,
    );

    // An attempt that did not connect counts on every miss still open, and on no other.
    const attempt = callOf(1002, 'attempt', NOW - 60 * 60_000);
    await ingest.commitJournal(endedEvents(attempt));
    expect(store.calls.get(location.id, misses[150].call_id)!.followUp.callback_attempts).toBe(1);
    expect(store.calls.get(location.id, misses[0].call_id)!.followUp.callback_attempts).toBe(0);
    for (const { stored, expected } of storedAndExpected(store, location.id))
      expect(stored).toEqual(expected);
  });

  it('a new miss of the number re-reads none of its earlier misses and changes none of them', async () => {
    const { store, location, ingest } = openLocation();
    const misses = Array.from({ length: 300 }, (_, i) =>
      callOf(i, 'miss', NOW - 10 * DAY + i * 45 * 60_000),
    );
    await ingest.commitJournal(misses.flatMap(endedEvents));
    const updatedBefore = countEvents(store, location.id, 'call.updated');
    const read: TrackedMiss[] = [];
    const repo = store.followUps;
    // The tracker reads every number's misses at once (`…Each`, one read of each kind).
    const open = repo.openMissesOfEach.bind(repo);
    const returned = repo.returnedMissesOfEach.bind(repo);
    repo.openMissesOfEach = (...args) => {
      const found = open(...args);
      read.push(...found.flat());
      return found;
    };
    repo.returnedMissesOfEach = (...args) => {
      const found = returned(...args);
      read.push(...found.flat());
      return found;
    };

    const next = callOf(500, 'miss', NOW - 60_000);
    await ingest.commitJournal(endedEvents(next));
    expect(read.map((m) => m.callId)).toEqual([next.call_id]);
    expect(countEvents(store, location.id, 'call.updated')).toBe(updatedBefore);
    expect(store.calls.get(location.id, next.call_id)!.followUp.return_status).toBe('awaiting');
  });

  it('a call first seen in progress, then settled unanswered with an earlier start, lets the misses it held back be returned', async () => {
    const { store, location, ingest } = openLocation();
    const misses = Array.from({ length: 50 }, (_, i) =>
      callOf(i, 'miss', NOW - 3 * DAY + i * 60 * 60_000),
    );
    await ingest.commitJournal(misses.flatMap(endedEvents));
    // In progress as seen so far: after the last miss. A call back after it connects: every
    // miss waits for the call in progress, which may be the real call back. Then a leg
    // found later moves its start two hours earlier (a re-read, no new event); it settles
    // with its real start four hours earlier, before the last five misses, ending after all.
    const held = {
      ...callOf(900, 'miss', NOW - 3 * DAY + 45 * 60 * 60_000 - 30_000),
      ended_at: new Date(NOW - 3 * DAY + 50 * 60 * 60_000).toISOString(),
    };
    const seenFrom = async (hour: number) => {
      const startedAt = new Date(NOW - 3 * DAY + hour * 60 * 60_000).toISOString();
      await ingest.commitJournal([
        { type: 'call.started', call: { ...held, started_at: startedAt } },
      ]);
    };
    await seenFrom(49.5);
    const back = callOf(901, 'callback', NOW - 12 * 3600_000);
    await ingest.commitJournal(endedEvents(back));
    await seenFrom(47.5);
    for (const i of [10, 49])
      expect(store.calls.get(location.id, misses[i].call_id)!.followUp.return_status).toBe(
        'awaiting',
      );
    // It settles unanswered with its real start: every miss is returned by the call back.
    await ingest.commitJournal(endedEvents(held));
    for (const { stored, expected } of storedAndExpected(store, location.id))
      expect(stored).toEqual(expected);
    for (const i of [10, 49])
      expect(store.calls.get(location.id, misses[i].call_id)!.followUp.returned_call_id).toBe(
        back.call_id,
      );
  });

  it('any calls, in any order and batches, some first in progress: every miss as the full match has it', async () => {
    const call = fc.record({
      kind: fc.constantFrom<Kind>('miss', 'miss', 'miss', 'answered_in', 'callback', 'attempt'),
      // Minutes over 20 days, in clusters a few minutes apart, some in the same minute.
      minute: fc
        .tuple(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 0, 2, 5, 9))
        .map(([half, extra]) => half * 720 + extra),
      liveFirst: fc.boolean(),
      // Seen in progress from a later leg first (its start moves earlier as legs arrive).
      liveLateMinutes: fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 2 }),
      order: fc.integer({ min: 0, max: 1000 }),
      endOrder: fc.integer({ min: 0, max: 1000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(call, { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 6 }),
        async (calls, batches) => {
          const { store, location, ingest } = openLocation();
          // Each step is a call starting (in progress) or a call settling, in `order`.
          const steps: Array<{ key: number; events: PollerEvent[] }> = [];
          calls.forEach((c, i) => {
            const settled = callOf(i, c.kind, NOW - 20 * DAY + c.minute * 60_000);
            const endKey = c.liveFirst ? c.order + 1 + c.endOrder : c.order;
            if (c.liveFirst) {
              const late = [...c.liveLateMinutes].sort((a, b) => b - a);
              late.forEach((minutes, n) => {
                const startedMs = Date.parse(settled.started_at) + minutes * 60_000;
                const live = { ...settled, started_at: new Date(startedMs).toISOString() };
                steps.push({
                  key: c.order + n / 10,
                  events: [{ type: 'call.started', call: live }],
                });
              });
            }
            steps.push({ key: endKey, events: endedEvents(settled) });
          });
          steps.sort((a, b) => a.key - b.key);
          const size = Math.ceil(steps.length / batches);
          for (let at = 0; at < steps.length; at += size)
            await ingest.commitJournal(steps.slice(at, at + size).flatMap((s) => s.events));
          for (const { stored, expected } of storedAndExpected(store, location.id))
            expect(stored).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });
});
