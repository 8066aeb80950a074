import { syntheticCall, syntheticEvents } from '../../bench/syntheticEvents';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { JournalEntryRepo } from '../../bridge/journal/journalEntries';
import { STORE_KINDS, openTestStore } from './support';

/**
 * The repositories on both stores (SQLite, Postgres): the same calls, the same answers. The
 * integration suites cover the rest on Postgres too (the `postgres` jest project).
 */
describe.each(STORE_KINDS)('the repositories on %s', (kind) => {
  let store: BridgeStore;
  let close: () => void;
  let target: string;
  let locationId: string;
  const now = Date.UTC(2026, 2, 3, 9);
  /**
   * Before the synthetic calls (from 09:00 on 2 March): a subscription receives only what
   * occurred once it existed (bridge/store/outbox.ts).
   */
  const subscribedAt = Date.UTC(2026, 2, 2, 8);

  beforeEach(async () => {
    ({ store, close, target } = await openTestStore(kind));
    locationId = store.locations.create(
      { name: 'Adelaide Office', country: 'au', timezone: 'Australia/Adelaide' },
      new Date(now),
    ).id;
  });
  afterEach(() => close());

  it('appends an event once, with one pending delivery per matching subscription', () => {
    const hook = store.subscriptions.create(
      { locationId, kind: 'rest_hook', event: 'call.missed', targetUrl: 'https://example.com/h' },
      new Date(subscribedAt),
    );
    const [started, , missed] = syntheticEvents(3, { locationId });
    const seq = store.events.append(locationId, missed, { now });
    expect(seq).toEqual(expect.any(Number));
    expect(store.events.append(locationId, missed, { now })).toBeNull();
    expect(store.events.append(locationId, started, { now })).toBeGreaterThan(seq!);
    expect(store.events.get(locationId, missed.id)?.event).toEqual(missed);
    expect(store.deliveries.countsByStatus()).toEqual({
      pending: 1,
      delivered: 0,
      failed: 0,
      cancelled: 0,
    });
    const [due] = store.deliveries.laneDue(hook.id, now, 10, new Set());
    expect(due).toMatchObject({ eventId: missed.id, eventSeq: seq, attempts: 0, createdAt: now });
    store.deliveries.record(
      due.id,
      { at: now, statusCode: 500, error: 'HTTP 500', durationMs: 12.4 },
      { status: 'pending', nextAttemptAt: now + 1000 },
    );
    expect(store.deliveries.laneDue(hook.id, now, 10, new Set())).toEqual([]);
    expect(store.deliveries.laneNextDue(hook.id, now)).toBe(now + 1000);
    store.deliveries.record(
      due.id,
      { at: now + 1000, statusCode: 200, error: null, durationMs: 8 },
      { status: 'delivered' },
    );
    expect(store.deliveries.history(locationId, seq!)).toEqual([
      {
        id: due.id,
        subscriptionId: hook.id,
        status: 'delivered',
        attempts: [
          { attempt: 1, at: now, statusCode: 500, error: 'HTTP 500', durationMs: 12 },
          { attempt: 2, at: now + 1000, statusCode: 200, error: null, durationMs: 8 },
        ],
      },
    ]);
  });

  /** A `call.missed` hook made before the synthetic calls, and their missed calls (not stored). */
  function missedCallsHook() {
    const hook = store.subscriptions.create(
      { locationId, kind: 'rest_hook', event: 'call.missed', targetUrl: 'https://example.com/h' },
      new Date(subscribedAt),
    );
    const missed = syntheticEvents(60, { locationId }).filter((e) => e.event === 'call.missed');
    expect(missed.length).toBeGreaterThanOrEqual(6);
    return { hook, missed };
  }

  it('reads a lane’s fresh deliveries: in an id range, of events that occurred since a time, by id', () => {
    const { hook, missed } = missedCallsHook();
    // Stored newest first, as if the history came after the calls since: ids and times disagree.
    for (const event of [...missed].reverse()) store.events.append(locationId, event, { now });
    const all = store.deliveries.laneDue(hook.id, now, 100, new Set());
    const byEvent = new Map(all.map((d) => [d.eventId, d.id]));
    const since = missed[missed.length - 3].occurred_at;
    const ids = all.map((d) => d.id).sort((a, b) => a - b);
    const range = { afterId: ids[0] - 1, throughId: ids[ids.length - 1], occurredFrom: since };
    store.deliveries.releaseClaims(all.map((d) => d.id));

    // Read, then given back (on Postgres the read claims them) so that each read sees all.
    const read = (r: typeof range, at: number, limit: number, held = new Set<number>()) => {
      const out = store.deliveries.freshDue(hook.id, r, at, limit, held);
      store.deliveries.releaseClaims([...out.map((d) => d.id), ...held]);
      return out;
    };
    const fresh = read(range, now, 10);
    // The three latest calls, stored first: lowest ids, in id order.
    expect(fresh.map((d) => d.eventId)).toEqual(
      missed
        .slice(-3)
        .reverse()
        .map((e) => e.id),
    );
    expect(fresh.map((d) => d.id)).toEqual(ids.slice(0, 3));
    // Not those held, not beyond the range, not past the limit.
    const heldOne = new Set([byEvent.get(missed[missed.length - 1].id)!]);
    expect(read(range, now, 10, heldOne).map((d) => d.eventId)).toEqual([
      missed[missed.length - 2].id,
      missed[missed.length - 3].id,
    ]);
    expect(read({ ...range, afterId: ids[1] }, now, 10)).toHaveLength(1);
    expect(read({ ...range, throughId: ids[0] }, now, 10)).toHaveLength(1);
    expect(read(range, now, 2)).toHaveLength(2);
    // Not yet due.
    expect(read(range, now - 1, 10)).toEqual([]);
  });

  it('reads a lane’s due deliveries less those held: the limit counts only what it returns, oldest first', () => {
    const { hook, missed } = missedCallsHook();
    for (const event of missed) store.events.append(locationId, event, { now });
    const all = store.deliveries.laneDue(hook.id, now, 100, new Set());
    store.deliveries.releaseClaims(all.map((d) => d.id));
    const ids = all.map((d) => d.id);
    // The worker holds the oldest three (in flight, or their records on the way; on Postgres
    // claimed as they were read).
    const held = new Set(store.deliveries.laneDue(hook.id, now, 3, new Set()).map((d) => d.id));
    expect([...held]).toEqual(ids.slice(0, 3));
    const read = store.deliveries.laneDue(hook.id, now, 2, held);
    expect(read.map((d) => d.id)).toEqual([ids[3], ids[4]]);
    store.deliveries.releaseClaims(read.map((d) => d.id));
    expect(store.deliveries.laneDue(hook.id, now, 100, held)).toHaveLength(ids.length - 3);
  });

  it('records a batch of attempts as one record each would, and none if one of them fails', () => {
    const hook = store.subscriptions.create(
      { locationId, kind: 'rest_hook', event: 'call.missed', targetUrl: 'https://example.com/h' },
      new Date(subscribedAt),
    );
    const missed = syntheticEvents(40, { locationId }).filter((e) => e.event === 'call.missed');
    for (const event of missed) store.events.append(locationId, event, { now });
    const [a, b, c] = store.deliveries
      .laneDue(hook.id, now, 10, new Set())
      .sort((x, y) => x.eventSeq - y.eventSeq);
    const failedOnce = { at: now, statusCode: 503, error: 'HTTP 503', durationMs: 30.6 };
    const deliveredAt = { at: now + 5, statusCode: 200, error: null, durationMs: 4 };
    store.deliveries.record(c.id, failedOnce, { status: 'failed' });
    store.deliveries.recordMany([
      { id: a.id, result: failedOnce, next: { status: 'pending', nextAttemptAt: now + 1000 } },
      { id: b.id, result: deliveredAt, next: { status: 'delivered' } },
      // The same delivery again in one batch: its second attempt, as `record` twice would.
      { id: a.id, result: deliveredAt, next: { status: 'delivered' } },
      // No longer pending: the attempt is kept, the status is not changed.
      { id: c.id, result: deliveredAt, next: { status: 'delivered' } },
      // Gone (pruned): nothing to record.
      { id: 987_654, result: deliveredAt, next: { status: 'delivered' } },
    ]);
    const historyOf = (seq: number) => store.deliveries.history(locationId, seq)[0];
    expect(historyOf(a.eventSeq)).toEqual({
      id: a.id,
      subscriptionId: hook.id,
      status: 'delivered',
      attempts: [
        { attempt: 1, at: now, statusCode: 503, error: 'HTTP 503', durationMs: 31 },
        { attempt: 2, at: now + 5, statusCode: 200, error: null, durationMs: 4 },
      ],
    });
    expect(historyOf(b.eventSeq)).toMatchObject({
      status: 'delivered',
      attempts: [{ attempt: 1, at: now + 5, statusCode: 200 }],
    });
    expect(historyOf(c.eventSeq)).toMatchObject({
      status: 'failed',
      attempts: [
        { attempt: 1, statusCode: 503 },
        { attempt: 2, statusCode: 200 },
      ],
    });
    expect(store.deliveries.countsByStatus()).toMatchObject({ delivered: 2, failed: 1 });

    // An attempt number already taken: the batch fails, and so does all of it.
    const [d, e] = store.deliveries.laneDue(hook.id, now, 10, new Set());
    store.db
      .prepare(
        'INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, duration_ms) VALUES (?, 1, ?, 0)',
      )
      .run(e.id, now);
    expect(() =>
      store.transaction(() =>
        store.deliveries.recordMany([
          { id: d.id, result: deliveredAt, next: { status: 'delivered' } },
          { id: e.id, result: deliveredAt, next: { status: 'delivered' } },
        ]),
      ),
    ).toThrow();
    expect(historyOf(d.eventSeq)).toMatchObject({ status: 'pending', attempts: [] });
    expect(historyOf(e.eventSeq)).toMatchObject({ status: 'pending', attempts: [{ attempt: 1 }] });
  });

  it('pages the feed newest first with the filters in SQL, and a cursor that sees every row once', () => {
    // 150 events and pages of 7: a page's first window (bridge/store/boundedPages.ts) is 80
    // rows, which the unfiltered feed fills and the filtered one does not.
    const events = syntheticEvents(150, { locationId });
    for (const event of events) store.events.append(locationId, event, { now });
    const pageAll = (query: {
      type?: 'call.missed';
      filters?: { business_hours: 'after_hours' };
    }) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = store.events.feed(locationId, { ...query, limit: 7, cursor });
        seen.push(...page.events.map((e) => e.event.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    const wanted = events
      .filter((e) => e.event === 'call.missed' && e.branch === 'after_hours')
      .map((e) => e.id)
      .reverse();
    expect(wanted.length).toBeGreaterThan(2);
    expect(pageAll({ type: 'call.missed', filters: { business_hours: 'after_hours' } })).toEqual(
      wanted,
    );
    expect(pageAll({})).toEqual(events.map((e) => e.id).reverse());
  });

  it('keeps a call ended once ended, a miss once missed, and what the workflow wrote', () => {
    const call = syntheticCall(1, now);
    store.calls.upsert(
      locationId,
      { facts: call, status: 'live', enrichment: null, missed: true, missedEmitted: true },
      now,
    );
    store.calls.patch(locationId, call.call_id, { notes: 'rang back', tags: ['vip', 'vip'] }, now);
    store.calls.upsert(
      locationId,
      { facts: call, status: 'ended', enrichment: null, missed: false, missedEmitted: false },
      now + 1,
    );
    store.calls.upsert(
      locationId,
      {
        facts: { ...call, outcome: 'answered' },
        status: 'live',
        enrichment: null,
        missed: false,
        missedEmitted: false,
      },
      now + 2,
    );
    expect(store.calls.get(locationId, call.call_id)).toMatchObject({
      status: 'ended',
      missed: true,
      notes: 'rang back',
      tags: ['vip'],
      facts: { outcome: 'missed' },
    });
    // Still a miss, and still one that went out: counted, and able to fold a redial.
    const [history] = store.calls.missHistoryOfEach(locationId, [
      {
        callId: 'x',
        numberKey: call.external_number!,
        countFromIso: '2026-01-01T00:00:00.000Z',
        countToIso: '9999-01-01T00:00:00.000Z',
        fold: {
          sinceIso: '2026-01-01T00:00:00.000Z',
          startedByIso: '9999-01-01T00:00:00.000Z',
          endedFromIso: '2026-01-01T00:00:00.000Z',
        },
      },
    ]).answers;
    expect(history).toEqual({
      count: 1,
      lastMissedAt: call.started_at,
      emitted: [expect.objectContaining({ call_id: call.call_id })],
    });
    // A withheld number (null) matches null, as `IS` does in SQLite.
    store.calls.upsert(
      locationId,
      {
        facts: {
          ...syntheticCall(2, now + 60_000, { voicemail: true, voicemailLeft: true }),
          external_number: null,
          caller_anonymous: true,
        },
        status: 'ended',
        enrichment: null,
        missed: true,
        missedEmitted: true,
      },
      now,
    );
    expect(
      store.calls.startedBetween(locationId, {
        direction: 'inbound',
        numberKey: null,
        fromIso: new Date(now + 59_000).toISOString(),
        toIso: new Date(now + 61_000).toISOString(),
      }),
    ).toEqual([expect.objectContaining({ callId: syntheticCall(2, now + 60_000).call_id })]);
    expect(store.followUps.nextRevision(locationId, call.call_id)).toBe(1);
    expect(store.followUps.nextRevision(locationId, call.call_id)).toBe(2);
    const listed = store.reports.missedCalls(
      locationId,
      '2026-01-01T00:00:00Z',
      '2027-01-01T00:00:00Z',
      10,
    );
    expect(listed.map((m) => [m.callId, m.anonymous, m.voicemailLeft])).toEqual(
      [
        [call.call_id, false, false],
        [syntheticCall(2, now + 60_000).call_id, true, true],
      ]
        .sort((a, b) => String(b[0]).localeCompare(String(a[0])))
        .sort(() => 0),
    );
  });

  it('follows a stored miss up once, keeps what the reports read of it, and saves a match as the call reads it', () => {
    const miss = (i: number) => {
      const call = syntheticCall(i, now + i * 60_000);
      store.calls.upsert(
        locationId,
        { facts: call, status: 'ended', enrichment: null, missed: true, missedEmitted: true },
        now,
      );
      return call.call_id;
    };
    const context = {
      branch: 'in_hours' as const,
      repeat: false,
      source_list: 'sales',
      dialed_number: '+61881234567',
      voicemail_left: false,
      known_contact: true,
      anonymous: false,
    };
    const first = miss(1);
    const dueAtMs = now + 30 * 60_000;
    store.followUps.missStored(locationId, first, {
      recorded: { context, event: { seq: 7, createdAt: '2026-03-03T09:00:01.000Z' } },
      start: { status: 'awaiting', dueAtMs },
    });
    expect(store.calls.get(locationId, first)?.followUp).toMatchObject({
      return_status: 'awaiting',
      dueAtMs,
      callback_attempts: 0,
    });
    const period = ['2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'] as const;
    expect(store.reports.misses(locationId, ...period)[0]).toMatchObject({
      callId: first,
      sourceList: 'sales',
      knownContact: true,
      eventSeq: 7,
      eventCreatedAt: '2026-03-03T09:00:01.000Z',
    });

    // A match saved: what `save` answers is what the call now reads.
    const before = store.calls.get(locationId, first)!;
    const saved = store.followUps.save(
      locationId,
      first,
      {
        ...before.followUp,
        return_status: 'returned',
        returned_at: '2026-03-03T09:20:00.000Z',
        returned_by: '101',
        returned_via: 'callback',
        returned_call_id: 'back',
        time_to_callback_seconds: 1140.5,
        callback_attempts: 2,
      },
      before.followUp,
    );
    expect(store.calls.get(locationId, first)?.followUp).toEqual(saved);
    expect(saved).toMatchObject({ return_status: 'returned', dueAtMs, callback_attempts: 2 });

    // Stored again (the other source): the follow-up stays as it is, the record is the new one.
    store.followUps.missStored(locationId, first, {
      recorded: { context: { ...context, repeat: true }, event: { seq: 9, createdAt: 'later' } },
      start: { status: 'awaiting', dueAtMs: dueAtMs + 1 },
    });
    expect(store.calls.get(locationId, first)?.followUp).toEqual(saved);
    expect(store.reports.misses(locationId, ...period)[0]).toMatchObject({
      repeat: true,
      eventSeq: 9,
    });

    // A folded miss is recorded, not followed up; one with no number is followed up without a
    // deadline; one whose event is not found is only followed up.
    const folded = miss(2);
    store.followUps.missStored(locationId, folded, {
      recorded: { context, event: { seq: 8, createdAt: 'x' } },
      start: null,
    });
    const withheld = miss(3);
    store.followUps.missStored(locationId, withheld, {
      recorded: null,
      start: { status: 'no_number', dueAtMs: null },
    });
    expect(store.calls.get(locationId, folded)?.followUp.return_status).toBeNull();
    expect(store.calls.get(locationId, withheld)?.followUp).toMatchObject({
      return_status: 'no_number',
      dueAtMs: null,
      callback_attempts: 0,
    });
    expect(
      store.reports.misses(locationId, ...period).map((m) => [m.callId, m.eventCreatedAt]),
    ).toEqual([
      [first, 'later'],
      [folded, 'x'],
      [withheld, null],
    ]);
  });

  it('authenticates a key by its hash, never storing the key', () => {
    const { key, info } = store.apiKeys.create(locationId, 'zapier', new Date(now));
    expect(store.apiKeys.authenticate(key, new Date(now))).toMatchObject({
      keyId: info.id,
      locationId,
    });
    expect(
      store.apiKeys.authenticate(
        `${key.slice(0, 10)}${key[10] === 'A' ? 'B' : 'A'}${key.slice(11)}`,
        new Date(now),
      ),
    ).toBeNull();
    store.apiKeys.revoke(info.id, new Date(now));
    expect(store.apiKeys.authenticate(key, new Date(now))).toBeNull();
  });

  it('merges what is learnt of a contact, and journals an entry once', () => {
    store.contacts.upsert(
      locationId,
      {
        numberKey: '+61412000001',
        contactId: 'c1',
        name: 'Ann',
        company: null,
        email: null,
        url: null,
        source: 'cli',
      },
      now,
    );
    store.contacts.upsert(
      locationId,
      {
        numberKey: '+61412000001',
        contactId: null,
        name: null,
        company: 'Acme',
        email: null,
        url: null,
        source: 'template',
      },
      now,
    );
    expect(store.contacts.find(locationId, '+61412000001')).toMatchObject({
      contactId: 'c1',
      name: 'Ann',
      company: 'Acme',
      source: 'template',
    });
    const journal = new JournalEntryRepo(store.db);
    const call = syntheticCall(3, now);
    expect(journal.insert(locationId, { call, body: { raw: 1 }, releaseAt: now + 5000 }, now)).toBe(
      true,
    );
    expect(journal.insert(locationId, { call, body: { raw: 1 }, releaseAt: now + 5000 }, now)).toBe(
      false,
    );
    expect(journal.due(now + 4999)).toEqual([]);
    expect(journal.due(now + 5000).map((e) => e.callId)).toEqual([call.call_id]);
  });

  it('rolls a transaction back whole when its work fails', () => {
    expect(() =>
      store.transaction(() => {
        store.contacts.upsert(
          locationId,
          {
            numberKey: '+61412000009',
            contactId: null,
            name: 'Bo',
            company: null,
            email: null,
            url: null,
            source: 'cli',
          },
          now,
        );
        throw new Error('half-way');
      }),
    ).toThrow('half-way');
    expect(store.contacts.find(locationId, '+61412000009')).toBeNull();
  });

  if (kind === 'postgres')
    it('lets two instances claim a lane’s due deliveries without sending one twice', () => {
      const other = BridgeStore.open(target, SecretBox.fromKey(Buffer.alloc(32, 7)));
      try {
        const hook = store.subscriptions.create(
          {
            locationId,
            kind: 'rest_hook',
            event: 'call.missed',
            targetUrl: 'https://example.com/h',
          },
          new Date(subscribedAt),
        );
        for (const event of syntheticEvents(30, { locationId }))
          store.events.append(locationId, event, { now });
        const mine = store.deliveries.laneDue(hook.id, now, 4, new Set());
        const theirs = other.deliveries.laneDue(hook.id, now, 100, new Set());
        expect(mine).toHaveLength(4);
        expect(theirs).toHaveLength(6);
        expect(new Set([...mine, ...theirs].map((d) => d.id)).size).toBe(10);
        // The claims run out (their instance died): the deliveries are due again.
        expect(other.deliveries.laneDue(hook.id, now + 61_000, 100, new Set())).toHaveLength(10);
      } finally {
        other.close();
      }
    });
});
