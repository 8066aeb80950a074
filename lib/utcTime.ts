/**
 * UTC date-times of the call log, fast. 3CX call-log times are UTC (docs/3cx-facts.md §1.4 [obs bma]),
 * sometimes with up to seven fraction digits and, on some exports, without a zone designator.
 * JavaScript reads a zone-less ISO date-time as *local* time, so a missing zone means UTC here.
 *
 * Parsing and formatting run once or twice per leg on the settle hot path, so the call log's
 * own shape, `YYYY-MM-DDTHH:MM:SS[.f…][Z]` (or a space for the `T`), is read by hand and only
 * here (with the day cached): its answer is final, NaN included. Other shapes (a UTC offset, no
 * seconds, a date alone) go through `Date.parse`. NaN when unparsable.
 */
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

// The last day read, as the number YYYYMMDD, and its midnight: one poll's legs share a few days.
let lastDayKey = NaN;
let lastDayMs = NaN;

const DAY_MS = 86_400_000;

export function parseUtcMillis(value: string | null | undefined): number {
  if (typeof value !== 'string' || value.length < 10) return NaN;
  if (hasCallLogSeparators(value)) {
    const ms = parseCallLogShape(value);
    if (ms !== WITH_OFFSET) return ms;
  }
  return Date.parse(HAS_ZONE.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** `parseCallLogShape`'s answer for a UTC offset after the seconds: no instant, `Date.parse`'s text. */
const WITH_OFFSET = -Infinity;

/** `????-??-??T??:??:??` (or a space for the `T`). */
function hasCallLogSeparators(text: string): boolean {
  if (
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent, shorter text with the separators below reads as NaN on both paths
    text.length < 19 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  )
    return false;
  const sep = text.charCodeAt(10);
  return sep === 84 /* T */ || sep === 32;
}

/** A UTC offset after the seconds: a `+` or `-` there (`+10:30`, `.250-05:00`). */
function hasOffset(text: string): boolean {
  // Stryker disable next-line EqualityOperator: equivalent, past the end charCodeAt is NaN, neither + nor -
  for (let i = 19; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 43 /* + */ || c === 45 /* - */) return true;
  }
  return false;
}

/** The digit at `i`, or -1 for any other character. */
function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  // Stryker disable next-line ConditionalExpression: equivalent, a character below 0 is negative either way, and every negative digit is refused
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * The call log's shape: optional fraction, optional `Z`; NaN when a digit or a field is out of
 * place, {@link WITH_OFFSET} when a UTC offset follows the seconds. A leap second (`:60`) is the next minute's first, as 3CX can only mean that; `24:00:00`
 * is the next day's midnight, as ISO 8601 (and `Date.parse`) have it. Every leg's start goes
 * through here: small integers only (a non-digit ends the read), no string made.
 */
function parseCallLogShape(text: string): number {
  const n = text.length;
  let end = n;
  const last = text.charCodeAt(n - 1);
  if (last === 90 /* Z */ || last === 122 /* z */) end = n - 1;
  let fractionMs = 0;
  if (end > 19) {
    fractionMs = fractionSum(text, end);
    // No fraction after the seconds: a UTC offset is `Date.parse`'s, anything else no time. The
    // tail is searched for one only here, not on every leg's `.mmmZ`.
    if (fractionMs !== fractionMs) return hasOffset(text) ? WITH_OFFSET : NaN;
  }
  const y1 = digit(text, 0);
  const y2 = digit(text, 1);
  const y3 = digit(text, 2);
  const y4 = digit(text, 3);
  const mo1 = digit(text, 5);
  const mo2 = digit(text, 6);
  const d1 = digit(text, 8);
  const d2 = digit(text, 9);
  const h1 = digit(text, 11);
  const h2 = digit(text, 12);
  const mi1 = digit(text, 14);
  const mi2 = digit(text, 15);
  const s1 = digit(text, 17);
  const s2 = digit(text, 18);
  // Stryker disable next-line EqualityOperator: equivalent, all digits 0 is month 00, refused below
  if ((y1 | y2 | y3 | y4 | mo1 | mo2 | d1 | d2 | h1 | h2 | mi1 | mi2 | s1 | s2) < 0) return NaN;
  const year = ((y1 * 10 + y2) * 10 + y3) * 10 + y4;
  const month = mo1 * 10 + mo2;
  const day = d1 * 10 + d2;
  // Stryker disable next-line ArithmeticOperator: equivalent, any key that tells the days apart works
  const dayKey = (year * 100 + month) * 100 + day;
  let dayMs: number;
  // Stryker disable next-line ConditionalExpression: equivalent, a cache: working the day out again gives the same day
  if (dayKey === lastDayKey) dayMs = lastDayMs;
  else {
    if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return NaN;
    dayMs = utcMidnight(year, month, day);
    lastDayKey = dayKey;
    lastDayMs = dayMs;
  }
  const h = h1 * 10 + h2;
  const m = mi1 * 10 + mi2;
  const s = s1 * 10 + s2;
  if (h === 24 && m === 0 && s === 0 && fractionMs === 0) return dayMs + DAY_MS;
  if (!(h <= 23 && m <= 59 && s <= 60)) return NaN;
  return dayMs + ((h * 60 + m) * 60 + s) * 1000 + Math.floor(fractionMs + 1e-6);
}

/**
 * The fraction after the seconds (`.f…`, from the 20th character to `end`) in milliseconds,
 * unrounded: each digit's weight from the one before by a division by ten, summed in order
 * (digits past the third can then change the floor that follows through the sum's rounding;
 * test/lib/utcTime.test.ts pins those sums). NaN for anything but a dot and digits. One to three
 * digits, every leg's `.mmm`, are whole numbers, the same as the sum, without its divisions.
 */
function fractionSum(text: string, end: number): number {
  // Stryker disable next-line ConditionalExpression: equivalent, a dot alone leaves place 20 the `Z` or past the end, no digit below either
  if (text.charCodeAt(19) !== 46 /* . */ || end === 20) return NaN;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: equivalent, a shortcut: the sum below gives these whole numbers too
  if (end <= 23) {
    const f1 = digit(text, 20);
    // Past `end` (a shorter fraction) a place counts 0; the `Z`, if any, is not read.
    const f2 = end > 21 ? digit(text, 21) : 0;
    const f3 = end > 22 ? digit(text, 22) : 0;
    return (f1 | f2 | f3) < 0 ? NaN : f1 * 100 + f2 * 10 + f3;
  }
  let sum = 0;
  let scale = 100;
  for (let i = 20; i < end; i++) {
    const d = digit(text, i);
    if (d < 0) return NaN;
    sum += d * scale;
    scale /= 10;
  }
  return sum;
}

/**
 * Midnight UTC of a calendar day. `Date.UTC` reads years 0–99 as 1900–1999 (a legacy of
 * two-digit years); ISO 8601 text means the year as written, as `Date.parse` reads it.
 */
function utcMidnight(year: number, month: number, day: number): number {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, setUTCFullYear gives every year's midnight as well (Date.UTC is the shorter way where it reads the year as written)
  if (year >= 100) return Date.UTC(year, month - 1, day);
  return new Date(0).setUTCFullYear(year, month - 1, day);
}

/** `00`…`59` and `.000Z`…`.999Z`, made once: formatting runs twice per settled call. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const MILLIS_Z = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}Z`);

/**
 * `YYYY-MM-DDTHH:MM:` by minute, in a small direct-mapped cache: a call's start and end, and
 * the calls of one poll, fall in a few minutes, and each `+` of a longer template made a string.
 */
const MINUTE_SLOTS = 64;
const MINUTE_MS = 60_000;
/** The latest instant a Date holds (and its negative, the earliest): ±100,000,000 days. */
const MAX_DATE_MS = 8.64e15;
// Stryker disable next-line all: equivalent, an empty slot only makes its minute again
const minuteKeys: number[] = new Array<number>(MINUTE_SLOTS).fill(NaN);
// Stryker disable next-line all: equivalent, a prefix is always written before it is read
const minutePrefixes: string[] = new Array<string>(MINUTE_SLOTS).fill('');

/**
 * ISO 8601 in UTC with the `Z` offset and milliseconds: the event contract's date format.
 * A fractional millisecond (a time computed from `performance.now()`, a parsed 7-digit fraction
 * scaled) is dropped toward zero, as `new Date(ms)` does; without that, the remainder below
 * would print `06.200.000244140625Z`.
 */
export function toIsoUtc(value: number): string {
  const millis = Math.trunc(value);
  // Date's last minute holds one valid instant, its first: past it the cached prefix would not throw.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, Date writes every instant it holds as the cache does
  if (millis > MAX_DATE_MS) return new Date(millis).toISOString(); // throws RangeError like Date
  const minute = Math.floor(millis / MINUTE_MS);
  // Stryker disable next-line all: equivalent, any slot works as long as its key is checked
  const slot = minute & (MINUTE_SLOTS - 1);
  // Stryker disable next-line ConditionalExpression: equivalent, making the prefix again gives the same prefix
  if (minuteKeys[slot] !== minute) {
    // Throws RangeError for NaN, infinities and instants out of range, as Date does, before
    // the slot takes the key.
    minutePrefixes[slot] = new Date(minute * MINUTE_MS).toISOString().slice(0, -7); // all but `SS.mmmZ`: years past 9999 are longer
    minuteKeys[slot] = minute;
  }
  return minutePrefixes[slot] + secondsZ(millis - minute * MINUTE_MS);
}

/**
 * `SS.mmmZ` for a millisecond of the minute, made once each (at most 60,000 short texts): one
 * join per formatted time instead of two.
 */
const SECONDS_Z: (string | undefined)[] = new Array<string | undefined>(MINUTE_MS).fill(undefined);

function secondsZ(rest: number): string {
  let text = SECONDS_Z[rest];
  // Stryker disable next-line ConditionalExpression: equivalent, a cache: making the text again gives the same text
  if (text === undefined) {
    const ms = rest % 1000;
    text = TWO_DIGITS[(rest - ms) / 1000] + MILLIS_Z[ms];
    SECONDS_Z[rest] = text;
  }
  return text;
}

/** Accepts what callers naturally hold: a Date, epoch milliseconds or an ISO string. */
export function toMillis(value: Date | number | string): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return parseUtcMillis(value);
}
