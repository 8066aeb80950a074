/**
 * The light pass of a call-log read: only the fields that say which call a leg belongs to and
 * when it started (`$select`, an OData option XAPI accepts, docs/3cx-facts.md §1.1). A caller
 * that already holds most of the window (the poller re-reads its overlap every few seconds)
 * decides from these which rows it needs whole, and only those are read in full.
 */
export const CALL_LOG_KEY_FIELDS = ['CdrId', 'CallHistoryId', 'CallId', 'StartTime'] as const;

/** A call-log row as the light pass returns it (any field may be missing or of the wrong type). */
export type CallLogKeyRow = Partial<Record<(typeof CALL_LOG_KEY_FIELDS)[number], unknown>>;

const KEY_FIELDS: ReadonlySet<string> = new Set(CALL_LOG_KEY_FIELDS);

/**
 * True when the PBX sent more than the key fields: it ignored `$select` [inf: OData servers
 * may], so the light pass already holds whole rows and needs no second read.
 */
export function ignoredSelect(rows: readonly unknown[]): boolean {
  for (const row of rows) {
    if (row === null || typeof row !== 'object') continue;
    for (const key of Object.keys(row)) if (!KEY_FIELDS.has(key)) return true;
  }
  return false;
}

/** A run of consecutive row positions `[start, end)` of one report window. */
export interface RowRange {
  start: number;
  end: number;
}

/**
 * The positions of the wanted rows as at most `maxRanges` runs: runs at most `joinGap` rows
 * apart are one run (a request costs more than the few unwanted rows between them), then the
 * closest runs are joined until `maxRanges` remain, so a handful of requests read every wanted
 * row and few others.
 */
export function wantedRanges(
  rows: readonly CallLogKeyRow[],
  wanted: (row: CallLogKeyRow, index: number) => boolean,
  maxRanges: number,
  joinGap = 0,
): RowRange[] {
  const ranges: RowRange[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (!wanted(rows[i], i)) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && i - last.end <= joinGap) last.end = i + 1;
    else ranges.push({ start: i, end: i + 1 });
  }
  while (ranges.length > maxRanges) {
    // Join the two neighbours with the smallest gap between them.
    let best = 0;
    for (let i = 1; i < ranges.length - 1; i++) {
      if (ranges[i + 1].start - ranges[i].end < ranges[best + 1].start - ranges[best].end) best = i;
    }
    ranges.splice(best, 2, { start: ranges[best].start, end: ranges[best + 1].end });
  }
  return ranges;
}

/** The row's `CdrId` when it is usable to check that a page holds the rows expected. */
export function cdrIdOf(row: unknown): string | null {
  if (row === null || typeof row !== 'object') return null;
  const id = (row as { CdrId?: unknown }).CdrId;
  return typeof id === 'string' && id !== '' ? id : null;
}
