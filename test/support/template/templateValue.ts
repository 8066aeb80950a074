/**
 * The values a 3CX CRM template expression works with. 3CX evaluates template expressions in
 * .NET (docs/3cx-facts.md §4.3: `[[DurationTimespan].get_TotalSeconds()]`, `.ToString("F0")`), so the
 * runner models the few .NET types templates touch: text, numbers, booleans, `DateTime` and
 * `TimeSpan`, each turned into text the way .NET does it.
 */

/** A .NET `DateTime`: an instant plus the offset its wall-clock fields are shown in. */
export class DateTimeValue {
  constructor(
    readonly utcMs: number,
    /** 0 for the `…UTC` variables; the PBX's offset for `…Local` and `[DateTime]`. */
    readonly offsetMinutes = 0,
  ) {}

  /** `DateTime.MinValue` (0001-01-01): what an unset time renders as [inf]. */
  static readonly MIN = new DateTimeValue(new Date(0).setUTCFullYear(1, 0, 1));
}

/**
 * A time 3CX never set, such as `[CallEstablishedTimeUTC]` of a call nobody answered. Shown as
 * `DateTime.MinValue` when substituted as it is, but formatting it with `.ToString(…)` may
 * throw inside 3CX (docs/3cx-facts.md §8 [3p alga-psa]): the runner throws too, so a template
 * that does it fails its test.
 */
export class UnsetDateTimeValue extends DateTimeValue {
  constructor(readonly variable: string) {
    super(DateTimeValue.MIN.utcMs);
  }
}

/** A .NET `TimeSpan`. */
export class TimeSpanValue {
  constructor(readonly totalSeconds: number) {}
}

export type TemplateValue = string | number | boolean | DateTimeValue | TimeSpanValue;

/** Text of a value when it is substituted into a template string (.NET `ToString()`). */
export function valueText(value: TemplateValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return formatNumber(value, '');
  if (value instanceof TimeSpanValue) return timeSpanText(value);
  // The culture default: what `[DateTime]` looks like on an en-US PBX (docs/3cx-facts.md §4.4), the
  // text a template must never send to the bridge as a time.
  return formatDateTime(value, 'M/d/yyyy h:mm:ss tt');
}

/** `TimeSpan.ToString()`: `[-][d.]hh:mm:ss[.fffffff]`. */
export function timeSpanText(value: TimeSpanValue): string {
  const negative = value.totalSeconds < 0;
  let rest = Math.abs(value.totalSeconds);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const seconds = Math.floor(rest);
  const fraction = Math.round((rest - seconds) * 1e7);
  return (
    (negative ? '-' : '') +
    (days > 0 ? `${days}.` : '') +
    `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}` +
    (fraction > 0 ? `.${pad(fraction, 7)}` : '')
  );
}

/**
 * `Double.ToString(format)` for the formats templates use: `F<n>` (fixed), `N<n>` (grouped),
 * `D` (integer), none (shortest). Anything else is refused, so a template relying on a format
 * the runner does not model fails a test instead of passing by accident.
 */
export function formatNumber(value: number, format: string): string {
  if (format === '' || format === 'G') return String(value);
  const m = /^([FfNnDd])(\d{0,2})$/.exec(format);
  if (!m) throw new Error(`number format "${format}" is not modelled by the template runner`);
  const digits = m[2] === '' ? (m[1].toUpperCase() === 'D' ? 0 : 2) : Number(m[2]);
  switch (m[1].toUpperCase()) {
    case 'F':
      return roundAwayFromZero(value, digits).toFixed(digits);
    case 'N':
      return roundAwayFromZero(value, digits).toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    default:
      if (!Number.isInteger(value)) throw new Error('format "D" needs an integer');
      return pad(value, digits);
  }
}

/** .NET Core formats midpoints away from zero; `toFixed` works on the binary value. */
function roundAwayFromZero(value: number, digits: number): number {
  const f = 10 ** digits;
  return (Math.sign(value) * Math.round(Math.abs(value) * f + 1e-9)) / f;
}

const STANDARD_DATE_FORMATS: Record<string, string> = {
  // Culture-invariant standard formats (.NET "Standard date and time format strings").
  s: "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
  u: "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
  o: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
  O: "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
};

/**
 * `DateTime.ToString(format)` with .NET custom format specifiers (`yyyy MM dd HH hh mm ss fff tt
 * K`, `'literal'`, `\x`) and the invariant standard formats `s`, `u`, `o`. Separators are the
 * invariant culture's (`:` and `/`). Other characters, `T` and `Z` among them, are literal.
 */
export function formatDateTime(value: DateTimeValue, format: string): string {
  if (format.length === 1) {
    const standard = STANDARD_DATE_FORMATS[format];
    if (!standard)
      throw new Error(`date format "${format}" is not modelled by the template runner`);
    format = standard;
  }
  const d = new Date(value.utcMs + value.offsetMinutes * 60_000);
  const fields: Record<string, () => string> = {
    yyyy: () => pad(d.getUTCFullYear(), 4),
    yy: () => pad(d.getUTCFullYear() % 100, 2),
    MM: () => pad(d.getUTCMonth() + 1, 2),
    M: () => String(d.getUTCMonth() + 1),
    dd: () => pad(d.getUTCDate(), 2),
    d: () => String(d.getUTCDate()),
    HH: () => pad(d.getUTCHours(), 2),
    H: () => String(d.getUTCHours()),
    hh: () => pad(d.getUTCHours() % 12 || 12, 2),
    h: () => String(d.getUTCHours() % 12 || 12),
    mm: () => pad(d.getUTCMinutes(), 2),
    m: () => String(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds(), 2),
    s: () => String(d.getUTCSeconds()),
    fffffff: () => pad(d.getUTCMilliseconds() * 10_000, 7),
    fff: () => pad(d.getUTCMilliseconds(), 3),
    ff: () => pad(Math.floor(d.getUTCMilliseconds() / 10), 2),
    f: () => String(Math.floor(d.getUTCMilliseconds() / 100)),
    tt: () => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
    K: () => (value.offsetMinutes === 0 ? 'Z' : offsetText(value.offsetMinutes)),
  };
  const tokens = Object.keys(fields).sort((a, b) => b.length - a.length);
  let out = '';
  for (let i = 0; i < format.length;) {
    const c = format[i];
    if (c === "'" || c === '"') {
      const end = format.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated literal in date format "${format}"`);
      out += format.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '\\') {
      out += format[i + 1] ?? '';
      i += 2;
      continue;
    }
    const token = tokens.find((t) => format.startsWith(t, i));
    if (token) {
      out += fields[token]();
      i += token.length;
      continue;
    }
    if (/[a-zA-Z]/.test(c) && !'TZ'.includes(c)) {
      throw new Error(`date format specifier "${c}" is not modelled by the template runner`);
    }
    out += c;
    i++;
  }
  return out;
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
