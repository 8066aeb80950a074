import { setTimeout as sleep } from 'node:timers/promises';
import { SimClock } from '../../sim';

describe('SimClock', () => {
  it('stands still in manual mode until advanced or set', () => {
    const clock = new SimClock();
    expect(clock.state()).toEqual({
      now: Date.parse('2026-03-02T09:00:00Z'),
      iso: '2026-03-02T09:00:00.000Z',
      mode: 'manual',
      factor: 0,
    });
    clock.advance(1.25);
    expect(clock.now()).toBe(Date.parse('2026-03-02T09:00:01.250Z'));
    clock.set('2026-03-01T00:00:00+10:30');
    expect(clock.now()).toBe(Date.parse('2026-02-28T13:30:00Z'));
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set('yesterday')).toThrow(RangeError);
  });

  it('runs faster than real time when accelerated, and can be stepped while running', async () => {
    const clock = new SimClock({ mode: 'accelerated', factor: 1000, start: 0 });
    const t0 = performance.now();
    await sleep(20);
    // Each real millisecond that passed is a sim second (lower bound only: no wall-clock luck).
    // Read real time first: the clock is read after it, so it has seen at least as much.
    const realElapsed = Math.floor(performance.now() - t0);
    expect(clock.now()).toBeGreaterThanOrEqual(realElapsed * 1000);
    const before = clock.now();
    clock.advance(3600);
    expect(clock.now()).toBeGreaterThanOrEqual(before + 3_600_000);
    clock.setMode('manual');
    const frozen = clock.now();
    await sleep(5);
    expect(clock.now()).toBe(frozen);
  });

  it('runs at wall speed in realtime mode', async () => {
    const clock = new SimClock({ mode: 'realtime', start: '2026-03-02T09:00:00Z' });
    const t0 = performance.now();
    await sleep(15);
    const real = Math.floor(performance.now() - t0);
    expect(clock.now() - Date.parse('2026-03-02T09:00:00Z')).toBeGreaterThanOrEqual(real);
    expect(clock.factor).toBe(1);
    expect(() => new SimClock({ mode: 'accelerated', factor: 0 })).toThrow(RangeError);
  });
});
