import { parseODataDateTime } from './functionCall';

/** One entity of a collection as the simulator serves it. */
export type Row = Record<string, unknown>;

/**
 * Orders two values as OData does: date-times by instant (their text forms differ in fraction
 * digits, so text order would be wrong), numbers by value, strings ordinally, nulls first.
 */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  const am = typeof a === 'string' ? parseODataDateTime(a) : NaN;
  const bm =
    typeof b === 'string'
      ? parseODataDateTime(b)
      : typeof b === 'number' && !Number.isNaN(am)
        ? b
        : NaN;
  if (!Number.isNaN(am) && !Number.isNaN(bm)) return am - bm;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return a === b ? 0 : NaN;
}
