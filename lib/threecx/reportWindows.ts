/**
 * Splitting a call-log period into request windows.
 *
 * 3CX answers 504 when a report period holds too much (docs/3cx-facts.md §1.3 "Errors" [obs luxzg]) and
 * peers keep windows small (§1.3 "Paging" [inf]). So a long period is read as consecutive
 * windows of at most a day, and a window that still gets a 504 is halved.
 * Windows are whole seconds: the date-time parameters are then plain `…:00Z` (lib/threecx/
 * odataUrl.ts), and widening the period to whole seconds only adds rows, never loses one.
 */
export interface ReportWindow {
  /** Epoch milliseconds, a whole second. */
  from: number;
  /** Epoch milliseconds, a whole second; after `from`. */
  to: number;
}

/** `[from, to)` widened to whole seconds, cut into windows no longer than `maxWindowMs`. */
export function splitPeriod(from: number, to: number, maxWindowMs: number): ReportWindow[] {
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    throw new RangeError('the period needs a valid from and to');
  }
  if (to < from) throw new RangeError('the period ends before it starts');
  const step = Math.max(1000, Math.floor(maxWindowMs / 1000) * 1000);
  const start = Math.floor(from / 1000) * 1000;
  const end = Math.max(Math.ceil(to / 1000) * 1000, start + 1000);
  const windows: ReportWindow[] = [];
  for (let t = start; t < end; t += step) windows.push({ from: t, to: Math.min(t + step, end) });
  return windows;
}

/** Two halves of a window, split on a whole second; null when it is too small to halve. */
export function halveWindow(
  window: ReportWindow,
  minWindowMs: number,
): [ReportWindow, ReportWindow] | null {
  const length = window.to - window.from;
  const mid = window.from + Math.floor(length / 2000) * 1000;
  if (length / 2 < minWindowMs || mid <= window.from || mid >= window.to) return null;
  return [
    { from: window.from, to: mid },
    { from: mid, to: window.to },
  ];
}
