import { stalenessSeconds } from '../../bench/staleness';

/**
 * `locations.poll_lag_p95_seconds_by_calls_per_minute` is worked out from the polls: a
 * location is as fresh as the start of its last successful poll, a failed poll freshens
 * nothing, and a location not polled yet is stale since the bridge started.
 */
describe('the staleness of a location over a window', () => {
  const window = { from: 10_000, to: 20_000, watchedFrom: 0, stepMs: 1000 };

  it('is the time since the start of the last poll that had succeeded', () => {
    // Polls started at 9 s (ended 9.5 s) and at 14 s (ended 16 s).
    const polls = [
      { locationId: 'a', ok: true, endedAt: 9500, ms: 500 },
      { locationId: 'a', ok: true, endedAt: 16_000, ms: 2000 },
    ];
    // At 10..15 s: since 9 s; from 16 s (the second poll ended): since 14 s.
    expect(stalenessSeconds(polls, ['a'], window)).toEqual([[1, 2, 3, 4, 5, 6, 2, 3, 4, 5]]);
  });

  it('does not count a failed poll as fresh', () => {
    const polls = [
      { locationId: 'a', ok: true, endedAt: 9500, ms: 500 },
      { locationId: 'a', ok: false, endedAt: 12_000, ms: 1000 },
    ];
    expect(stalenessSeconds(polls, ['a'], window)).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });

  it('counts a location never polled as stale since the bridge started', () => {
    const polls = [{ locationId: 'a', ok: true, endedAt: 9500, ms: 500 }];
    expect(stalenessSeconds(polls, ['a', 'b'], { ...window, to: 12_000 })).toEqual([
      [1, 2],
      [10, 11],
    ]);
  });
});
