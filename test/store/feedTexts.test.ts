import { feedPageText } from '../../bridge/http/routes/eventRoutes';
import type { BridgeStore } from '../../bridge/store/bridgeStore';
import type { FeedQuery } from '../../bridge/store/outbox';
import { z } from 'zod';
import { CheckedJsonTexts, CorruptRowError } from '../../bridge/store/storedJson';
import { CALL_EVENT_TYPES } from '../../lib/callEvent';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import { STORE_KINDS, openTestStore } from './support';

/**
 * The feed's page as the API writes it (`EventOutbox.feedTexts`, `feedPageText`): each event's
 * JSON checked once per row and text, then served from memory. It must be byte for byte what
 * serialising the checked events answers, whatever form a row was stored in, and must never
 * serve a row that is unreadable now, even one served before.
 */
describe.each(STORE_KINDS)('the feed as written, on %s', (kind) => {
  let store: BridgeStore;
  let close: () => void;
  let locationId: string;
  const now = Date.UTC(2026, 2, 3, 9);

  beforeEach(async () => {
    ({ store, close } = await openTestStore(kind));
    locationId = store.locations.create(
      { name: 'Adelaide Office', country: 'au', timezone: 'Australia/Adelaide' },
      new Date(now),
    ).id;
    // Every kind of event, and a suppressed one (the dialler cooldown folded it).
    for (const [i, type] of CALL_EVENT_TYPES.entries())
      store.events.append(
        locationId,
        { ...CALL_EVENT_SAMPLES[type], location: { id: locationId, name: 'Adelaide Office' } },
        { now: now + i },
      );
    const missed = CALL_EVENT_SAMPLES['call.missed'];
    store.events.append(
      locationId,
      {
        ...missed,
        id: `${missed.id}:redial`,
        location: { id: locationId, name: 'Adelaide Office' },
      },
      { now: now + 10, suppressedReason: 'dialler_cooldown:earlier-call' },
    );
  });
  afterEach(() => close());

  /** What the route wrote before: the checked events, serialised (`JSON.stringify`). */
  const checkedPage = (query: FeedQuery): string => {
    const { events, nextCursor } = store.events.feed(locationId, query);
    return JSON.stringify({
      data: events.map((e) =>
        e.suppressed
          ? { ...e.event, suppressed: true, suppressed_reason: e.suppressedReason }
          : e.event,
      ),
      next_cursor: nextCursor,
    });
  };
  const page = (query: FeedQuery): string =>
    feedPageText(store.events.feedTexts(locationId, query));
  const seqOf = (id: string): number =>
    Number(
      (
        store.db.prepare('SELECT seq FROM events WHERE id = ?').get(id) as {
          seq: number | string;
        }
      ).seq,
    );
  const setPayload = (seq: number, payload: string) =>
    store.db.prepare('UPDATE events SET payload = ? WHERE seq = ?').run(payload, seq);

  it.each([{ limit: 100, includeSuppressed: true }, { limit: 3 }])(
    'is byte for byte the checked page, first read and read again (%j)',
    (query) => {
      const expected = checkedPage(query);
      expect(page(query)).toBe(expected);
      expect(page(query)).toBe(expected);
      const { data } = JSON.parse(expected) as { data: Array<{ event: string }> };
      if (query.limit === 100)
        expect(new Set(data.map((e) => e.event))).toEqual(new Set(CALL_EVENT_TYPES));
    },
  );

  it('serves a row in an older form as the checked one: its keys in order, `test` added', () => {
    const id = CALL_EVENT_SAMPLES['call.ended'].id;
    const seq = seqOf(id);
    const query = { limit: 100, includeSuppressed: true };
    page(query);
    // As a migration's `json_set` leaves it (schema.ts): a key moved to the end, and a row
    // from before test events, without `test`.
    const { record_url, test: _test, ...rest } = store.events.get(locationId, id)!.event;
    setPayload(seq, JSON.stringify({ ...rest, record_url }));
    const expected = checkedPage(query);
    expect(expected).toContain(`"record_url":${JSON.stringify(record_url)},"test":false}`);
    expect(page(query)).toBe(expected);
    expect(page(query)).toBe(expected);
  });

  it('never serves a row that became unreadable, though it was served before', () => {
    const seq = seqOf(CALL_EVENT_SAMPLES['call.missed'].id);
    const query = { limit: 100 };
    const before = page(query);
    const stored = (
      store.db.prepare('SELECT payload FROM events WHERE seq = ?').get(seq) as { payload: string }
    ).payload;
    setPayload(seq, stored.replace('"direction":"inbound"', '"direction":"sideways"'));
    expect(() => page(query)).toThrow(CorruptRowError);
    expect(() => page(query)).toThrow(`events row seq=${seq}`);
    setPayload(seq, stored.slice(0, -1));
    expect(() => page(query)).toThrow(/not JSON/);
    setPayload(seq, stored);
    expect(page(query)).toBe(before);
  });
});

/** The memory behind it: bounded, the rows read most recently kept. */
describe('the checked texts remembered', () => {
  const counted = () => {
    let parses = 0;
    const schema = z.strictObject({ n: z.number() }).transform((value) => {
      parses++;
      return value;
    });
    return { schema, parses: () => parses };
  };

  it('keeps the rows read most recently, up to its capacity, and checks the others again', () => {
    const { schema, parses } = counted();
    const texts = new CheckedJsonTexts({ table: 't', key: 'k', column: 'c', capacity: 2 });
    const read = (key: number) => texts.served(key, schema, `{"n":${key}}`);
    read(1);
    read(2);
    read(1); // remembered, and now the most recent
    expect(parses()).toBe(2);
    read(3); // forgets 2, the least recently read
    read(1);
    expect(parses()).toBe(3);
    read(2);
    expect(parses()).toBe(4);
    expect(read(2)).toBe('{"n":2}');
  });

  it('checks a row again when its text or its schema changed', () => {
    const { schema, parses } = counted();
    const other = counted();
    const texts = new CheckedJsonTexts({ table: 't', key: 'k', column: 'c', capacity: 10 });
    expect(texts.served(1, schema, '{"n":1}')).toBe('{"n":1}');
    expect(texts.served(1, schema, '{"n": 1}')).toBe('{"n":1}');
    expect(parses()).toBe(2);
    texts.served(1, other.schema, '{"n": 1}');
    expect(other.parses()).toBe(1);
    expect(() => texts.served(1, schema, '{"n":"1"}')).toThrow(
      'The stored t row k=1 has an unreadable c',
    );
  });
});
