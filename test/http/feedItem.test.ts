import { serializerCompiler } from 'fastify-type-provider-zod';
import { errorResponses } from '../../bridge/http/routeKit';
import { feedItem, feedPage, feedSerializer } from '../../bridge/http/routes/eventRoutes';
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
 * The feed's answer is written without the response check (eventRoutes.ts `feedSerializer`):
 * its bytes must be the checked serializer's, and what it writes must still be a feed page.
 */
describe('the event feed page as written', () => {
  const route = { schema: feedPage, method: 'GET', url: '/v1/events', httpStatus: '200' };

  it('is byte for byte what the checked serializer writes, for every kind of event, suppressed too', async () => {
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
      for (const query of ['limit=100&include_suppressed=true', 'limit=3']) {
        const response = await fetch(`${t.url}/v1/events?${query}`, {
          headers: { authorization: `Bearer ${t.apiKey}` },
        });
        expect(response.status).toBe(200);
        const body = await response.text();
        const page = JSON.parse(body) as { data: Array<{ event: string }> };
        // The checked serializer refuses what is not a feed page, and writes it in its shapes'
        // key order: the same bytes, so the same page a client sees.
        expect(serializerCompiler(route)(page)).toBe(body);
        expect(feedSerializer(route)(page)).toBe(body);
        if (query.startsWith('limit=100'))
          expect(new Set(page.data.map((e) => e.event))).toEqual(new Set(CALL_EVENT_TYPES));
      }
    } finally {
      await t.close();
    }
  });

  it('still checks its error answers', () => {
    const badRequest = { ...route, schema: errorResponses(400)[400], httpStatus: '400' };
    expect(() => feedSerializer(badRequest)({ colour: 'red' })).toThrow();
  });
});
