import { feedItem } from '../../bridge/http/routes/eventRoutes';
import { CALL_EVENT_TYPES } from '../../lib/callEvent';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';

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
