import { syntheticEvents } from '../../bench/syntheticEvents';
import { PBX_CLOCK_ALLOWANCE_MS, type SubscriptionCache } from '../../bridge/store/outbox';
import type { BridgeStore } from '../../bridge/store/bridgeStore';
import type { CallEvent } from '../../lib/callEvent';
import { STORE_KINDS, openTestStore } from './support';

/**
 * A subscription receives only the events that occurred once it existed (less the PBX clock
 * allowance): a Zap turned on now does not fire for a new location's history
 * (bridge/store/outbox.ts `receives`). The events are stored and in the feed all the same.
 */
describe.each(STORE_KINDS)('what a new subscription receives, on %s', (kind) => {
  let store: BridgeStore;
  let close: () => void;
  let locationId: string;
  /** When the subscription is made. */
  const subscribedAt = Date.UTC(2026, 2, 3, 9);

  beforeEach(async () => {
    ({ store, close } = await openTestStore(kind));
    locationId = store.locations.create(
      { name: 'Adelaide Office', country: 'au', timezone: 'Australia/Adelaide' },
      new Date(subscribedAt - 86_400_000),
    ).id;
  });
  afterEach(() => close());

  /** A `call.missed` of its own call that occurred at `at`. */
  function missedAt(at: number, n: number, extra: Partial<CallEvent> = {}): CallEvent {
    const missed = syntheticEvents(3, { locationId })[2];
    const callId = `00000000-0000-0000-0001-${String(n).padStart(12, '0')}`;
    return {
      ...missed,
      id: `${callId}:call.missed`,
      call_id: callId,
      occurred_at: new Date(at).toISOString(),
      ...extra,
    };
  }

  function subscribe(at: number) {
    return store.subscriptions.create(
      { locationId, kind: 'rest_hook', event: 'call.missed', targetUrl: 'https://example.com/h' },
      new Date(at),
    );
  }

  /** The event ids queued for a subscription. */
  function queued(subscriptionId: string, now: number): string[] {
    return store.deliveries
      .laneDue(subscriptionId, now, 100, new Set())
      .map((d) => d.eventId)
      .sort();
  }

  it.each([
    ['an ingest commit (subscriptions read once)', true],
    ['one event at a time', false],
  ])(
    'queues an event from after it, or from within the clock allowance before it, not one older: %s',
    (_how, cached) => {
      const hook = subscribe(subscribedAt);
      const now = subscribedAt + 5 * 60_000;
      const older = missedAt(subscribedAt - 15 * 60_000, 1);
      const justOutside = missedAt(subscribedAt - PBX_CLOCK_ALLOWANCE_MS - 1000, 2);
      // A PBX whose clock is 30 s behind the bridge's: its first call after the Zap was
      // turned on reads as 30 s before.
      const withinAllowance = missedAt(subscribedAt - 30_000, 3);
      const after = missedAt(subscribedAt + 60_000, 4);
      const subscriptions: SubscriptionCache | undefined = cached ? new Map() : undefined;
      store.transaction(() => {
        for (const event of [older, justOutside, withinAllowance, after])
          expect(store.events.append(locationId, event, { now, subscriptions })).toEqual(
            expect.any(Number),
          );
      });
      expect(queued(hook.id, now)).toEqual([withinAllowance.id, after.id].sort());
      // Stored and listed in the feed as ever.
      expect(
        store.events
          .feed(locationId, { limit: 10 })
          .events.map((e) => e.event.id)
          .sort(),
      ).toEqual([older.id, justOutside.id, withinAllowance.id, after.id].sort());
    },
  );

  it('an older subscription gets the history a newer one does not, from the same event', () => {
    const old = subscribe(subscribedAt - 3600_000);
    const fresh = subscribe(subscribedAt);
    const event = missedAt(subscribedAt - 15 * 60_000, 1);
    const now = subscribedAt + 60_000;
    store.events.append(locationId, event, { now });
    expect(queued(old.id, now)).toEqual([event.id]);
    expect(queued(fresh.id, now)).toEqual([]);
  });

  it('delivers every call that happened while the bridge was down to a subscription made before', () => {
    const hook = subscribe(subscribedAt);
    // The bridge stops 5 minutes after the Zap was turned on and starts again 25 minutes
    // later: its first poll stores the calls of the downtime, all after the subscription.
    const downtime = [10, 15, 20, 25].map((minutes, n) =>
      missedAt(subscribedAt + minutes * 60_000, n + 1),
    );
    const restartedAt = subscribedAt + 30 * 60_000;
    const subscriptions: SubscriptionCache = new Map();
    store.transaction(() => {
      for (const event of downtime)
        store.events.append(locationId, event, { now: restartedAt, subscriptions });
    });
    expect(queued(hook.id, restartedAt)).toEqual(downtime.map((e) => e.id).sort());
  });

  it('delivers a test event whatever its call’s time (the user asked for it)', () => {
    const hook = subscribe(subscribedAt);
    const now = subscribedAt + 1000;
    // A follow-up test event is about a made-up miss 40 minutes back (bridge/testEvents.ts).
    const test = missedAt(subscribedAt - 40 * 60_000, 1, { test: true });
    store.events.append(locationId, test, { now });
    expect(queued(hook.id, now)).toEqual([test.id]);
  });
});
