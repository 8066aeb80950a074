import { Client } from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import { CallControlService } from '../../bridge/callcontrol/callControlService';
import { syntheticCall } from '../../bench/syntheticEvents';
import { LocationIngest, eventsByCall } from '../../bridge/ingest/locationIngest';
import { StoreEnricher } from '../../bridge/ingest/storeEnricher';
import { JournalIngest } from '../../bridge/journal/journalIngest';
import { JournalEntryRepo } from '../../bridge/journal/journalEntries';
import { DELIVERIES_CHANNEL } from '../../bridge/cluster/channels';
import type { BridgeStore } from '../../bridge/store/bridgeStore';
import type { Location } from '../../bridge/store/locations';
import { PostgresDatabase } from '../../bridge/store/sql/postgresDatabase';
import type { SyncPgClient } from '../../bridge/store/sql/syncPgClient';
import { initialPollerState, type PollerEvent } from '../../lib/poller/pollerState';
import type { CallFacts } from '../../lib/settledCall';
import { STORE_KINDS, openTestStore } from './support';

/**
 * A batch's per-call reads are done once for all its calls (docs/design.md, "Round trips on the
 * hot paths"): the enrichment's (a number's earlier misses, its contact), the journal's
 * candidates. Only where the rows come from changes: every decision is the one a call stored on
 * its own would get, also when a call of the batch changes what a later one reads.
 */
const T = Date.UTC(2026, 11, 3, 9);
const MIN = 60_000;

/** A missed inbound call from `number` (the synthetic call `i` with that number). */
function missOf(i: number, number: string, startedMs: number): CallFacts {
  return {
    ...syntheticCall(i, startedMs),
    caller_number: number,
    caller_number_raw: number,
    external_number: number,
  };
}

const missedEvents = (call: CallFacts): PollerEvent[] => [
  { type: 'call.ended', call },
  { type: 'call.missed', call },
];

const JANE = '+61412345678';
const BOB = '+61412345679';
const KNOWN = '+61412345670';

describe.each(STORE_KINDS)('a batch’s reads on %s', (kind) => {
  async function openLocation() {
    const opened = await openTestStore(kind);
    const location = opened.store.locations.create(
      { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
      new Date(T - 60 * MIN),
    );
    const ingest = new LocationIngest(location, opened.store, new StoreEnricher(), {
      now: () => T,
      publicUrl: () => 'http://127.0.0.1:1',
    });
    return { ...opened, location, ingest };
  }

  /** Each stored event's id, suppression and enrichment, and each call's miss flags. */
  function outcome(store: BridgeStore, location: Location) {
    const events = store.db
      .prepare(
        'SELECT id, suppressed_reason, payload FROM events WHERE location_id = ? ORDER BY id',
      )
      .all(location.id)
      .map((r) => {
        const e = JSON.parse(String(r.payload)) as Record<string, unknown>;
        return {
          id: r.id,
          suppressed: r.suppressed_reason,
          repeat: e.is_repeat_miss,
          count: e.missed_count_7d,
          known: e.known_contact,
          contact: e.contact_id,
        };
      });
    const calls = store.db
      .prepare(
        'SELECT call_id, missed, missed_emitted, attempts FROM calls WHERE location_id = ? ORDER BY call_id',
      )
      .all(location.id);
    return { events, calls };
  }

  /**
   * The outcome of storing `batch` in one commit and one call per commit, each on a new
   * location that holds `before` (and what `prepare` adds); they must be the same.
   */
  async function togetherAndOneByOne(
    before: readonly PollerEvent[],
    batch: readonly PollerEvent[],
    prepare: (store: BridgeStore, location: Location) => void = () => undefined,
  ) {
    const results = [];
    for (const together of [true, false]) {
      const { store, location, ingest, close } = await openLocation();
      try {
        prepare(store, location);
        await ingest.commit(initialPollerState(T), before);
        if (together) await ingest.commit(initialPollerState(T), batch);
        else
          for (const call of eventsByCall(batch)) await ingest.commit(initialPollerState(T), call);
        results.push(outcome(store, location));
      } finally {
        close();
      }
    }
    const [together, oneByOne] = results;
    expect(together).toEqual(oneByOne);
    return together;
  }

  it('enriches a batch’s calls as it would one call at a time', async () => {
    // Before the batch: Bob missed yesterday; Known is a contact.
    const yesterday = missOf(1, BOB, T - 20 * 3600_000);
    // The batch: Jane twice within the dialler cooldown (the second folds into the first,
    // which only the first's row stored in the same batch can tell), Jane again two hours
    // later (a repeat miss), Bob again (a repeat of yesterday's), Known (a known contact).
    const batch = [
      missOf(2, JANE, T - 3 * 3600_000),
      missOf(3, BOB, T - 170 * MIN),
      missOf(4, JANE, T - 3 * 3600_000 + 3 * MIN),
      missOf(5, KNOWN, T - 160 * MIN),
      missOf(6, JANE, T - 60 * MIN),
    ].flatMap(missedEvents);

    const together = await togetherAndOneByOne(missedEvents(yesterday), batch, (store, location) =>
      store.contacts.upsert(
        location.id,
        {
          numberKey: KNOWN,
          contactId: 'c-1',
          name: 'Kim Known',
          company: null,
          email: null,
          url: null,
          source: 'cli',
        },
        T - 60 * MIN,
      ),
    );

    // And what that is: the redial folded, the repeats counted, the contact found.
    const missed = (i: number) =>
      together.events.find((e) => e.id === `${syntheticCall(i, T).call_id}:call.missed`)!;
    expect(missed(4).suppressed).toBe(`dialler_cooldown:${syntheticCall(2, T).call_id}`);
    expect([missed(2).repeat, missed(6).repeat, missed(3).repeat]).toEqual([false, true, true]);
    expect([missed(5).known, missed(5).contact, missed(3).known]).toEqual([true, 'c-1', false]);
  });

  it('reads again for a call whose count a call stored before it in the batch changes, by number or by its stored row', async () => {
    // Before the batch: X, a miss from Jane this morning. The batch: X again, now with Bob's
    // number (its later version: a leg logged late), then Y, a miss from Jane. Stored one at a
    // time, X is Bob's by the time Y counts Jane's misses, so Y is Jane's first miss; read
    // ahead, X was still hers. Only X's stored row tells: neither of its numbers in the batch
    // is Jane's.
    const x = missOf(31, JANE, T - 3 * 3600_000);
    const batch = [
      ...missedEvents({ ...x, caller_number: BOB, caller_number_raw: BOB, external_number: BOB }),
      ...missedEvents(missOf(32, JANE, T - 60 * MIN)),
    ];
    const together = await togetherAndOneByOne(missedEvents(x), batch);
    const y = together.events.find((e) => e.id === `${syntheticCall(32, T).call_id}:call.missed`)!;
    expect([y.count, y.repeat]).toEqual([1, false]);
  });

  it('queues a commit’s events for the subscriptions active when it began, none removed meanwhile', async () => {
    const { store, location, ingest, close } = await openLocation();
    try {
      const subscribe = (path: string) =>
        store.subscriptions.create(
          {
            locationId: location.id,
            kind: 'rest_hook',
            event: 'call.missed',
            targetUrl: `http://127.0.0.1:1/${path}`,
          },
          new Date(T - 60 * MIN),
        ).id;
      const kept = subscribe('kept');
      const removed = subscribe('removed');
      let added = '';
      // Between the commit's first batch (40 calls) and its second (5): one subscription is
      // added, one removed (the API may run between batches).
      setImmediate(() => {
        added = subscribe('added');
        store.subscriptions.remove(location.id, removed, 'test', new Date(T));
      });
      const calls = Array.from({ length: 45 }, (_, i) =>
        syntheticCall(300 + i, T - 3600_000 + i * MIN),
      );
      await ingest.commit(initialPollerState(T), calls.flatMap(missedEvents));
      const queued = (id: string) =>
        Number(
          store.db
            .prepare('SELECT COUNT(*) AS n FROM deliveries WHERE subscription_id = ?')
            .get(id)!.n,
        );
      expect([queued(kept), queued(removed), queued(added)]).toEqual([45, 40, 0]);
      // The next commit's events go to the one added.
      await ingest.commit(initialPollerState(T), missedEvents(syntheticCall(400, T - MIN)));
      expect([queued(kept), queued(removed), queued(added)]).toEqual([46, 40, 1]);
    } finally {
      close();
    }
  });

  it('links a batch’s poller calls to Call Control call numbers as it would one call at a time', async () => {
    // Two poller calls whose rows carry the same PBX call number (3CX reuses the small counter
    // after a restart): the first links it, and the second, once it is linked, takes the
    // first's id, as a read of its own would find the link just made.
    const first = missOf(21, JANE, T - 30 * MIN);
    const second = missOf(22, BOB, T - 20 * MIN);
    const events = [...missedEvents(first), ...missedEvents(second)];
    const results = [];
    for (const together of [true, false]) {
      const { store, location, close } = await openLocation();
      try {
        const service = new CallControlService({
          store,
          registry: new Registry(),
          now: () => T,
          logger: pino({ level: 'silent' }),
          eventsStored: () => undefined,
        });
        // As if the location's stream ran (it needs the poller's call numbers then).
        service['streams'].set(location.id, {
          stream: { status: () => ({ state: 'open' }) },
        } as never);
        service.observeCallLog(location.id, [
          { CallHistoryId: first.call_id, CallId: 7 },
          { CallHistoryId: second.call_id, CallId: 7 },
        ] as never);
        const correlated = together
          ? store.transaction(() => service.correlatePollerEvents(location.id, events))
          : eventsByCall(events).flatMap((call) =>
              store.transaction(() => service.correlatePollerEvents(location.id, call)),
            );
        results.push(correlated.map((e) => `${e.call.call_id} ${e.type}`));
      } finally {
        close();
      }
    }
    const [together, oneByOne] = results;
    expect(together).toEqual(oneByOne);
    expect(together).toEqual([
      `${first.call_id} call.ended`,
      `${first.call_id} call.missed`,
      `${first.call_id} call.ended`,
      `${first.call_id} call.missed`,
    ]);
  });

  it('correlates a batch’s poller calls with journal calls as it would one call at a time', async () => {
    // A journal call released under its own id; the poller then reports two calls of the same
    // number in its window: the closest claims it, and the other, once it is claimed, keeps
    // its own id (a journal call is claimed by one poller call only).
    const journalCall = { ...missOf(10, JANE, T - 30 * MIN), call_id: 'journal-jane-1' };
    const first = missOf(11, JANE, T - 30 * MIN + 10_000);
    const second = missOf(12, JANE, T - 30 * MIN + 40_000);
    const events = [...missedEvents(first), ...missedEvents(second)];

    const results = [];
    for (const together of [true, false]) {
      const { store, location, close } = await openLocation();
      try {
        const entries = new JournalEntryRepo(store.db);
        entries.insert(location.id, { call: journalCall, body: {}, releaseAt: T }, T - 29 * MIN);
        entries.markReleased(
          location.id,
          journalCall.call_id,
          { eventsCallId: journalCall.call_id, matchedCallId: null },
          T - 29 * MIN,
        );
        const journal = new JournalIngest({
          store,
          ingestFor: () => {
            throw new Error('not used');
          },
          now: () => T,
        });
        const correlated = together
          ? store.transaction(() => journal.correlatePollerEvents(location.id, events))
          : eventsByCall(events).flatMap((call) =>
              store.transaction(() => journal.correlatePollerEvents(location.id, call)),
            );
        results.push({
          ids: correlated.map((e) => `${e.call.call_id} ${e.type}`),
          claimedBy: entries.get(location.id, journalCall.call_id)!.matchedCallId,
        });
      } finally {
        close();
      }
    }
    const [together, oneByOne] = results;
    expect(together).toEqual(oneByOne);
    expect(together).toEqual({
      ids: [
        'journal-jane-1 call.ended',
        'journal-jane-1 call.missed',
        `${second.call_id} call.ended`,
        `${second.call_id} call.missed`,
      ],
      claimedBy: first.call_id,
    });
  });
});

/**
 * Postgres: the wake-up of the other instances' delivery workers (`pg_notify` on the
 * deliveries channel) goes once per transaction, with its COMMIT, not once per event; the
 * instances still get it (bridge/cluster/peerWakeups.ts).
 */
describe('the deliveries wake-up on postgres', () => {
  it('goes once per transaction that queued deliveries, and reaches a listener', async () => {
    const { store, target, close } = await openTestStore('postgres');
    const listener = new Client({ connectionString: target });
    try {
      const location = store.locations.create(
        { name: 'Call centre', country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(T - 60 * MIN),
      );
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event: 'call.missed',
          targetUrl: 'http://127.0.0.1:1/missed',
        },
        new Date(T - 60 * MIN),
      );
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event: 'call.ended',
          targetUrl: 'http://127.0.0.1:1/ended',
        },
        new Date(T - 60 * MIN),
      );
      await listener.connect();
      let notified = 0;
      listener.on('notification', (m) => {
        if (m.channel === DELIVERIES_CHANNEL) notified++;
      });
      await listener.query(`LISTEN ${DELIVERIES_CHANNEL}`);

      // Every statement the store's connection is asked to run, as sent.
      const texts: string[] = [];
      const client: SyncPgClient = (store.db as PostgresDatabase)['client'];
      const query = client.query.bind(client);
      client.query = (text, params, name) => {
        texts.push(text);
        return query(text, params, name);
      };
      const send = client.send.bind(client);
      client.send = (text, params, name) => {
        texts.push(text);
        return send(text, params, name);
      };

      const ingest = new LocationIngest(location, store, new StoreEnricher(), {
        now: () => T,
        publicUrl: () => 'http://127.0.0.1:1',
      });
      // Three transactions: 45 calls (two batches of at most 40), then one more call.
      const calls = Array.from({ length: 45 }, (_, i) =>
        syntheticCall(100 + i, T - 3600_000 + i * MIN),
      );
      await ingest.commit(initialPollerState(T), calls.flatMap(missedEvents));
      await ingest.commit(initialPollerState(T), missedEvents(syntheticCall(200, T - MIN)));

      const count = (pattern: RegExp) => texts.filter((t) => pattern.test(t)).length;
      expect(count(/^BEGIN$/)).toBe(3);
      expect(count(/pg_notify/)).toBe(3);
      // With the COMMIT, in its round trip.
      expect(count(/pg_notify\('bridge_deliveries', ''\); COMMIT$/)).toBe(3);
      const delivered = store.db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()!;
      expect(Number(delivered.n)).toBe(46 * 2);

      const deadline = Date.now() + 5000;
      while (notified === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(notified).toBeGreaterThan(0);
    } finally {
      await listener.end();
      close();
    }
  });
});
