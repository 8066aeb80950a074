import type { TickReport } from '../../lib/poller/callPoller';
import { PollScheduler, type PollTarget } from '../../bridge/ingest/pollScheduler';
import { SeededRandom } from '../../sim/seededRandom';

/**
 * The scheduler decides how late a missed call can be noticed: a location must be polled every
 * interval however long its poll takes, never later; a failing PBX backs off without delaying
 * another. Driven entirely by fake timers, so no test depends on the wall clock.
 */
describe('PollScheduler', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-11-26T09:00:00Z') });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  const report = (watermark: number): TickReport => ({
    window: { from: watermark, to: Date.now() } as unknown as TickReport['window'],
    legs: 0,
    problems: [],
    events: [],
    pending: 0,
    watermark,
  });

  /** A target whose polls take `tookMs` (fake time) and record when they started. */
  function target(id: string, intervalMs: number, tookMs: number, fail = () => false) {
    const starts: number[] = [];
    const t: PollTarget = {
      locationId: id,
      intervalMs,
      tick: () => {
        starts.push(Date.now());
        return new Promise<TickReport>((resolve, reject) =>
          setTimeout(
            () =>
              fail() ? reject(new Error('PBX unreachable')) : resolve(report(Date.now() - 30_000)),
            tookMs,
          ),
        );
      },
    };
    return { target: t, starts };
  }

  async function advance(ms: number): Promise<void> {
    await jest.advanceTimersByTimeAsync(ms);
  }

  /** Stop, letting the poll in flight (on fake time) finish. */
  async function stop(scheduler: PollScheduler): Promise<void> {
    const stopped = scheduler.stop();
    await advance(60_000);
    await stopped;
  }

  it('starts a poll every interval, measured from poll start, however long the poll takes', async () => {
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => 0.999999 });
    const slow = target('slow', 10_000, 4_000);
    scheduler.add(slow.target);
    scheduler.start();
    await advance(60_000);
    await stop(scheduler);
    const gaps = slow.starts.slice(1).map((s, i) => s - slow.starts[i]!);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    // Without measuring from the start the gaps would be interval + 4 s.
    for (const gap of gaps) expect(gap).toBeLessThanOrEqual(10_000);
  });

  it('after a poll longer than the interval, polls again at the next point of its own schedule', async () => {
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => 0.999999 });
    const starts: number[] = [];
    let first = true;
    scheduler.add({
      locationId: 'catching-up',
      intervalMs: 5_000,
      tick: () => {
        starts.push(Date.now());
        const took = first ? 12_000 : 0;
        first = false;
        return new Promise((resolve) => setTimeout(() => resolve(report(Date.now())), took));
      },
    });
    scheduler.start();
    await advance(30_000);
    await stop(scheduler);
    const offsets = starts.map((s) => s - starts[0]!);
    // Not at 12 s (at once): at 15 s, where the 5-second schedule from its first poll falls.
    expect(offsets[1]).toBeGreaterThanOrEqual(14_990);
    expect(offsets[1]).toBeLessThanOrEqual(15_000);
  });

  it('keeps locations spread when their first polls all end together (a slow first round)', async () => {
    const dice = new SeededRandom(7);
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => dice.next() });
    const t0 = Date.now();
    const starts = new Map<string, number[]>();
    for (let i = 0; i < 100; i++) {
      const id = `pbx-${i}`;
      starts.set(id, []);
      scheduler.add({
        locationId: id,
        intervalMs: 5_000,
        tick: () => {
          const mine = starts.get(id)!;
          mine.push(Date.now());
          // Every first poll ends 40 s after the scheduler started, however early it began.
          const took = mine.length === 1 ? t0 + 40_000 - Date.now() : 0;
          return new Promise((resolve) => setTimeout(() => resolve(report(Date.now())), took));
        },
      });
    }
    scheduler.start();
    await advance(60_000);
    await stop(scheduler);
    const perSecond = new Map<number, number>();
    for (const list of starts.values())
      for (const start of list.slice(1)) {
        const second = Math.floor((start - t0) / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
    // 20 polls a second on average; started again at once, all 100 would start in one second.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(30);
  });

  it('jitters only downwards: never waits longer than the interval', async () => {
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => 0 });
    const quick = target('quick', 10_000, 0);
    scheduler.add(quick.target);
    scheduler.start();
    await advance(50_000);
    await stop(scheduler);
    const gaps = quick.starts.slice(1).map((s, i) => s - quick.starts[i]!);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(9_000);
      expect(gap).toBeLessThanOrEqual(10_000);
    }
  });

  it('backs off a failing PBX without delaying a healthy one', async () => {
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => 0.5 });
    const down = target('down', 5_000, 100, () => true);
    const up = target('up', 5_000, 100);
    scheduler.add(down.target);
    scheduler.add(up.target);
    scheduler.start();
    await advance(120_000);
    await stop(scheduler);
    expect(up.starts.length).toBeGreaterThanOrEqual(23);
    const downGaps = down.starts.slice(1).map((s, i) => s - down.starts[i]!);
    // Doubling: 10 s, 20 s, 40 s, ...
    for (let i = 1; i < downGaps.length; i++)
      expect(downGaps[i]!).toBeGreaterThan(downGaps[i - 1]!);
    const status = scheduler.status().find((s) => s.locationId === 'down')!;
    expect(status.lastError).toBe('PBX unreachable');
    expect(status.consecutiveErrors).toBe(down.starts.length);
    expect(status.lastSuccessAt).toBeNull();
    expect(status.lagSeconds).toBeNull();
  });

  it('reports lag as time since the last successful poll, and the held window separately', async () => {
    let failing = false;
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => 0.5 });
    const pbx = target('pbx', 10_000, 0, () => failing);
    scheduler.add(pbx.target);
    scheduler.start();
    await advance(25_000);
    let status = scheduler.status()[0]!;
    expect(status.lagSeconds).toBeLessThanOrEqual(10);
    expect(status.windowHeldSeconds).toBe(30);
    failing = true;
    await advance(120_000);
    status = scheduler.status()[0]!;
    expect(status.lagSeconds).toBeGreaterThanOrEqual(110);
    expect(status.consecutiveErrors).toBeGreaterThan(0);
    await stop(scheduler);
  });
  it('spreads the first polls of many locations over one interval, and keeps them spread', async () => {
    const dice = new SeededRandom(7);
    const scheduler = new PollScheduler({ now: () => Date.now(), random: () => dice.next() });
    const pbxs = Array.from({ length: 100 }, (_, i) => target(`pbx-${i}`, 5_000, 0));
    for (const pbx of pbxs) scheduler.add(pbx.target);
    scheduler.start();
    await advance(30_000);
    await stop(scheduler);
    const perSecond = new Map<number, number>();
    for (const pbx of pbxs)
      for (const start of pbx.starts) {
        const second = Math.floor(start / 1000);
        perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
      }
    // 100 locations every 5 s is 20 polls a second; bunched at start it would be 50 or more.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(30);
  });
});
