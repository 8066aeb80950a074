import { START_WINDOW_SENDS_PER_PERIOD, StartWindowRate } from '../../bridge/delivery/startRate';
import { CatchUpWarmUp } from '../../bridge/ingest/catchUpWarmUp';
import { sendTestEvent } from '../../bridge/testEvents';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { rateByHand } from './rateByHand';

/**
 * The worker's rate in the start's window (bridge/delivery/startRate.ts): alone, on an injected
 * clock and a window opened and closed by hand; then in the bridge, on its start's window. The
 * worker's side (what it starts, and when): test/delivery/deliveryWorker.test.ts.
 */
/** Take what the rate allows now, as the worker's pump does. */
function takeAll(r: StartWindowRate): number {
  const room = r.room();
  r.took(room);
  return room;
}

describe('the start window’s rate of sends', () => {
  it('lets at most so many start in a period while the window is open, the next period as many again', () => {
    const { rate: r, clock } = rateByHand(5);
    expect(r.room()).toBe(5);
    r.took(3);
    expect(r.room()).toBe(2);
    r.took(2);
    expect(r.room()).toBe(0);
    clock.ms += 60;
    expect(r.room()).toBe(0);
    expect(r.untilNextPeriod()).toBe(40);
    clock.ms += 40;
    expect(takeAll(r)).toBe(5);
    expect(r.room()).toBe(0);
  });

  it('does not carry a quiet period’s room into the next', () => {
    const { rate: r, clock } = rateByHand(5);
    expect(r.room()).toBe(5);
    clock.ms += 1_000;
    expect(r.room()).toBe(5);
  });

  it('is no bound once the window has closed, nor before it opens', () => {
    const { rate: r, clock, window } = rateByHand(5);
    takeAll(r);
    window.open = false;
    expect(r.room()).toBe(Infinity);
    r.took(10_000);
    expect(r.room()).toBe(Infinity);
    window.open = true;
    clock.ms += 100;
    expect(r.room()).toBe(5);
  });

  it('lets more start a period as the window fades, by its pace', () => {
    const { rate: r, clock, window } = rateByHand(20);
    expect(takeAll(r)).toBe(20);
    clock.ms += 100;
    window.pace = 2.5; // the catch-ups' share a quarter where it was a tenth
    expect(takeAll(r)).toBe(50);
    expect(r.room()).toBe(0);
    clock.ms += 100;
    window.pace = 10;
    expect(takeAll(r)).toBe(200);
    window.pace = Infinity; // the fade is over
    expect(r.room()).toBe(Infinity);
  });

  it('never stops delivery: a rate of 0 in the window is one a period', () => {
    const { rate: r, clock } = rateByHand(0);
    for (let period = 0; period < 3; period++) {
      expect(takeAll(r)).toBe(1);
      expect(r.room()).toBe(0);
      clock.ms += 100;
    }
  });
});

describe('the bridge’s start window', () => {
  let t: TestBridge | undefined;
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await t?.close();
    for (const r of receivers.splice(0)) await r.close();
  });

  it('holds the worker to its rate: the first look at a backlog starts no more than a period’s', async () => {
    const clock = { ms: 0 }; // stands still: the window stays open
    t = await startTestBridge({
      bridge: { catchUpWarmUp: new CatchUpWarmUp({ clock: () => clock.ms }) },
    });
    const store = t.bridge.store;
    const location = store.locations.get(t.locationId)!;
    // Eight receivers, four webhooks each: every target may have four in flight at first, so
    // unpaced the worker's first look starts 32 (its `PUMP_SLICE`), more than a period's.
    receivers.push(...(await Promise.all(Array.from({ length: 8 }, () => startReceiver()))));
    for (const r of receivers)
      store.subscriptions.create(
        { locationId: location.id, kind: 'rest_hook', event: 'call.missed', targetUrl: r.url },
        new Date(t.sim.clock.now()),
      );
    const now = t.sim.clock.now();
    for (let i = 0; i < 4; i++)
      sendTestEvent(store, location, { event: 'call.missed' }, { now, publicUrl: '' });
    expect(START_WINDOW_SENDS_PER_PERIOD).toBeLessThan(32);

    t.bridge.start(); // the worker's first look at the store is inside start()
    expect(t.bridge.worker.state().inFlight).toBe(START_WINDOW_SENDS_PER_PERIOD);
  });
});
