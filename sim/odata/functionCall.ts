import { invalidParameter, notFound } from './odataError';

/**
 * OData function-call path segments: `Pbx.GetCallLogData(periodFrom=2026-03-01T00:00:00Z,
 * sourceFilter='',…)`. String literals are single-quoted with `'` doubled (docs/3cx-facts.md §1.3
 * [off xt]); date-times are unquoted; every declared parameter is required.
 */
export type ParameterType = 'date-time' | 'int32' | 'string' | 'boolean';

export interface ParameterSpec {
  name: string;
  type: ParameterType;
}

interface RawArgument {
  text: string;
  quoted: boolean;
  /** The literal's value with quotes removed and `''` undone (quoted only). */
  value: string;
}

export type BoundValue = number | string | boolean | null;

/** Splits `Name(args)`; null when the segment is not a function call or is malformed. */
export function parseFunctionSegment(
  segment: string,
): { name: string; args: [string, RawArgument][] } | null {
  const open = segment.indexOf('(');
  if (open <= 0 || !segment.endsWith(')')) return null;
  const name = segment.slice(0, open);
  const body = segment.slice(open + 1, -1);
  const args: [string, RawArgument][] = [];
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) return null;
    const argName = body.slice(i, eq).trim();
    i = eq + 1;
    let arg: RawArgument;
    if (body[i] === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= body.length) return null; // unterminated literal
        if (body[j] === "'") {
          if (body[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += body[j++];
      }
      arg = { text: body.slice(i, j + 1), quoted: true, value };
      i = j + 1;
    } else {
      const comma = body.indexOf(',', i);
      const end = comma < 0 ? body.length : comma;
      arg = { text: body.slice(i, end).trim(), quoted: false, value: '' };
      i = end;
    }
    args.push([argName, arg]);
    if (i < body.length) {
      if (body[i] !== ',') return null;
      i += 1;
      if (i === body.length) return null; // trailing comma
    }
  }
  return { name, args };
}

/** DT-PATTERN of the spec (docs/xapi-schemas.md §0). */
const DATE_TIME =
  /^([0-9]{4,})-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$/;

/**
 * Binds arguments to the declared parameters. The set of names must match exactly, or no
 * function overload matches and the answer is 404; a value of the wrong type is 500.
 */
export function bindArguments(
  functionName: string,
  args: readonly [string, RawArgument][],
  specs: readonly ParameterSpec[],
): Record<string, BoundValue> {
  const given = new Map<string, RawArgument>();
  for (const [name, arg] of args) {
    if (given.has(name)) throw notFound(`${functionName}: parameter ${name} given twice`);
    given.set(name, arg);
  }
  const missing = specs.filter((s) => !given.has(s.name)).map((s) => s.name);
  const unknown = [...given.keys()].filter((n) => !specs.some((s) => s.name === n));
  if (missing.length > 0 || unknown.length > 0) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.join(', ')}` : '',
    ].filter(Boolean);
    throw notFound(`No function ${functionName} matches the parameters (${parts.join('; ')})`);
  }
  const bound: Record<string, BoundValue> = {};
  for (const spec of specs) bound[spec.name] = bindValue(spec, given.get(spec.name)!);
  return bound;
}

function bindValue(spec: ParameterSpec, arg: RawArgument): BoundValue {
  const { name, type } = spec;
  if (!arg.quoted && arg.text === 'null') {
    if (type === 'string') return null;
    throw invalidParameter(name, `null is not a valid ${type}`);
  }
  switch (type) {
    case 'string':
      if (!arg.quoted)
        throw invalidParameter(name, `expected a quoted string literal, got ${arg.text}`);
      return arg.value;
    case 'int32': {
      if (arg.quoted || !/^[+-]?\d+$/.test(arg.text)) {
        throw invalidParameter(name, `expected an int32, got ${arg.text}`);
      }
      const n = Number(arg.text);
      if (n > 2147483647 || n < -2147483648)
        throw invalidParameter(name, `${arg.text} is out of int32 range`);
      return n;
    }
    case 'boolean':
      if (arg.quoted || (arg.text !== 'true' && arg.text !== 'false')) {
        throw invalidParameter(name, `expected true or false, got ${arg.text}`);
      }
      return arg.text === 'true';
    case 'date-time': {
      const ms = arg.quoted ? NaN : parseODataDateTime(arg.text);
      if (Number.isNaN(ms)) throw invalidParameter(name, `expected a date-time, got ${arg.text}`);
      return ms;
    }
  }
}

/** Epoch ms of a DT-PATTERN date-time, NaN otherwise (including days that do not exist). */
export function parseODataDateTime(text: string): number {
  const m = DATE_TIME.exec(text);
  if (!m) return NaN;
  const day = Number(m[3]);
  if (day > 28 && day > daysInMonth(Number(m[1]), Number(m[2]))) return NaN;
  // JavaScript reads at most millisecond precision; 3CX sends up to seven fraction digits.
  const fraction = m[5];
  return Date.parse(fraction && fraction.length > 4 ? text.replace(/\.(\d{3})\d*/, '.$1') : text);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
