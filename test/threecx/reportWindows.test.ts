import { halveWindow, splitPeriod } from '../../lib/threecx/reportWindows';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);

describe('report windows', () => {
  it('cut a long period into day windows that cover it exactly', () => {
    const windows = splitPeriod(T0, T0 + 2.5 * DAY, DAY);
    expect(windows).toEqual([
      { from: T0, to: T0 + DAY },
      { from: T0 + DAY, to: T0 + 2 * DAY },
      { from: T0 + 2 * DAY, to: T0 + 2.5 * DAY },
    ]);
  });

  it('widen to whole seconds, never narrow', () => {
    expect(splitPeriod(T0 + 1500, T0 + 2500, DAY)).toEqual([{ from: T0 + 1000, to: T0 + 3000 }]);
    expect(splitPeriod(T0, T0, DAY)).toEqual([{ from: T0, to: T0 + 1000 }]);
  });

  it('refuse a period that ends before it starts', () => {
    expect(() => splitPeriod(T0 + 1, T0, DAY)).toThrow(RangeError);
  });

  it('halve on whole seconds until the minimum', () => {
    expect(halveWindow({ from: T0, to: T0 + 3001 * 1000 }, 60_000)).toEqual([
      { from: T0, to: T0 + 1500_000 },
      { from: T0 + 1500_000, to: T0 + 3001_000 },
    ]);
    expect(halveWindow({ from: T0, to: T0 + 120_000 }, 60_000)).not.toBeNull();
    expect(halveWindow({ from: T0, to: T0 + 119_000 }, 60_000)).toBeNull();
  });
});
