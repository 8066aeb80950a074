/**
 * 3CX call-log times are UTC (3cx-facts §1.4 [obs bma]), sometimes with seven fraction digits
 * and, on some exports, without a zone designator. JavaScript would read a zone-less ISO
 * date-time as *local* time, so a missing zone is taken as UTC here. NaN when unparsable.
 */
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

export function parseUtcMillis(value: string | null | undefined): number {
  if (typeof value !== 'string' || value.length < 10) return NaN;
  return Date.parse(HAS_ZONE.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** ISO 8601 in UTC with the `Z` offset, the event contract's date format. */
export function toIsoUtc(millis: number): string {
  return new Date(millis).toISOString();
}

/** Accepts what callers naturally hold: a Date, epoch milliseconds or an ISO string. */
export function toMillis(value: Date | number | string): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return parseUtcMillis(value);
}
