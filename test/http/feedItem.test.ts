import { serializerCompiler } from 'fastify-type-provider-zod';
import { feedItem, feedPage, feedPageText } from '../../bridge/http/routes/eventRoutes';
import { sendTestEvent } from '../../bridge/testEvents';
import { CALL_EVENT_TYPES } from '../../lib/callEvent';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import { startTestBridge } from '../support/testBridge';

/**
 * What `GET /v1/events` checks each item of a page against before sending it
 * (bridge/http/routes/eventRoutes.ts `feedItem`).
 */
describe('the event feed item schema', () => {
  it.each(CALL_EVENT_TYPES)(
    'a %s event matches exactly one shape and is sent unchanged',
    (type) => {
      const event = CALL_EVENT_SAMPLES[type];
      const matching = feedItem.options.filter((shape) => shape.safeParse(event).success);
      expect(matching).toHaveLength(1);
      expect(feedItem.parse(event)).toEqual(event);
      const suppressed = { ...event, suppressed: true, suppressed_reason: 'cooldown' };
      expect(feedItem.parse(suppressed)).toEqual(suppressed);
    },
  );

  it('checks a plain call event against its own shape first: nearly every item of a feed is one', () => {
    for (const type of ['call.started', 'call.ended', 'call.missed'] as const)
      expect(feedItem.options[0].safeParse(CALL_EVENT_SAMPLES[type]).success).toBe(true);
  });

  it('still refuses an item of no shape', () => {
    const { record_url: _dropped, ...missingKey } = CALL_EVENT_SAMPLES['call.missed'];
    expect(feedItem.safeParse(missingKey).success).toBe(false);
    expect(
      feedItem.safeParse({ ...CALL_EVENT_SAMPLES['call.started'], colour: 'red' }).success,
    ).toBe(false);
  });
});

/**
 * The feed's answer is written from the events' checked JSON texts (eventRoutes.ts
 * `feedPageText`, `EventOutbox.feedTexts`): its bytes must be what serialising the checked
 * events wrote before, and what it writes must still be a feed page.
 */
describe('the event feed page as written', () => {
  const route = { schema: feedPage, method: 'GET', url: '/v1/events', httpStatus: '200' };

  it('is byte for byte the checked page, for every kind of event, suppressed too, read once and again', async () => {
    const t = await startTestBridge();
    try {
      const store = t.bridge.store;
      const location = store.locations.get(t.locationId)!;
      const now = Date.now();
      for (const [i, type] of CALL_EVENT_TYPES.entries())
        sendTestEvent(store, location, { event: type }, { now: now + i, publicUrl: t.url });
      // A suppressed item (the dialler cooldown folded it) carries two more fields.
      const { event } = sendTestEvent(
        store,
        location,
        { event: 'call.missed' },
        { now: now + 10, publicUrl: t.url },
      );
      store.events.append(
        location.id,
        { ...event, id: `${event.id}:redial` },
        { now: now + 11, suppressedReason: 'dialler_cooldown:earlier-call' },
      );
      const queries = [
        {
          text: 'limit=100&include_suppressed=true',
          query: { limit: 100, includeSuppressed: true },
        },
        { text: 'limit=3', query: { limit: 3 } },
      ];
      for (const { text, query } of queries) {
        // What the route answered before: the events the store checked, serialised.
        const { events, nextCursor } = store.events.feed(location.id, query);
        const expected = JSON.stringify({
          data: events.map((e) =>
            e.suppressed
              ? { ...e.event, suppressed: true, suppressed_reason: e.suppressedReason }
              : e.event,
          ),
          next_cursor: nextCursor,
        });
        for (const _read of ['first', 'again']) {
          const response = await fetch(`${t.url}/v1/events?${text}`, {
            headers: { authorization: `Bearer ${t.apiKey}` },
          });
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
          const body = await response.text();
          expect(body).toBe(expected);
          // The checked serializer refuses what is not a feed page, and writes it in its
          // shapes' key order: the same bytes, so the page the route's schema describes.
          expect(serializerCompiler(route)(JSON.parse(body))).toBe(body);
        }
        const page = JSON.parse(expected) as { data: Array<{ event: string }> };
        if (query.limit === 100)
          expect(new Set(page.data.map((e) => e.event))).toEqual(new Set(CALL_EVENT_TYPES));
      }
    } finally {
      await t.close();
    }
  });

  it('writes a suppressed event as the event with the suppression fields after its own', () => {
    const page = feedPageText({
      events: [
        { text: '{"id":"a"}', suppressed: false, suppressedReason: null },
        { text: '{"id":"b"}', suppressed: true, suppressedReason: 'dialler_cooldown:"x"' },
      ],
      nextCursor: 'c1',
    });
    expect(page).toBe(
      JSON.stringify({
        data: [
          { id: 'a' },
          { id: 'b', suppressed: true, suppressed_reason: 'dialler_cooldown:"x"' },
        ],
        next_cursor: 'c1',
      }),
    );
    expect(feedPageText({ events: [], nextCursor: null })).toBe('{"data":[],"next_cursor":null}');
  });
});
