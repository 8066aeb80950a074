import { badQuery } from './odataError';
import { parseODataDateTime } from './functionCall';

/**
 * A subset of OData `$filter`: comparisons (`eq ne gt ge lt le`) of a property with a literal,
 * `contains/startswith/endswith(Prop,'text')`, `and`, `or`, `not` and parentheses. Literals:
 * `'text'` (with `''`), numbers, `true`, `false`, `null`, unquoted date-times. Anything else is
 * a 400, never silently ignored: a client must not believe it filtered when it did not.
 */
export type Row = Record<string, unknown>;
export type RowPredicate = (row: Row) => boolean;

type Token =
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'datetime'; v: number }
  | { t: 'punct'; v: '(' | ')' | ',' };

const DATE_TIME_LITERAL = /^\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ') {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: 'punct', v: c });
      i++;
    } else if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw badQuery('unterminated string literal', '$filter');
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += text[j++];
      }
      tokens.push({ t: 'string', v });
      i = j + 1;
    } else {
      const dt = DATE_TIME_LITERAL.exec(text.slice(i));
      if (dt) {
        const ms = parseODataDateTime(dt[0]);
        if (Number.isNaN(ms)) throw badQuery(`bad date-time ${dt[0]}`, '$filter');
        tokens.push({ t: 'datetime', v: ms });
        i += dt[0].length;
        continue;
      }
      const word = /^[-+]?[A-Za-z0-9_.]+/.exec(text.slice(i));
      if (!word) throw badQuery(`unexpected character ${c}`, '$filter');
      const w = word[0];
      if (/^[-+]?\d+(\.\d+)?$/.test(w)) tokens.push({ t: 'number', v: Number(w) });
      else tokens.push({ t: 'ident', v: w });
      i += w.length;
    }
  }
  return tokens;
}

const COMPARISONS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] as const;
const FUNCTIONS = ['contains', 'startswith', 'endswith'] as const;

export function compileFilter(text: string, properties: ReadonlySet<string>): RowPredicate {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isWord = (w: string) => peek()?.t === 'ident' && (peek() as { v: string }).v === w;
  const expectPunct = (v: string) => {
    const tok = tokens[pos++];
    if (!tok || tok.t !== 'punct' || tok.v !== v) throw badQuery(`expected ${v}`, '$filter');
  };
  const property = (): string => {
    const tok = tokens[pos++];
    if (!tok || tok.t !== 'ident') throw badQuery('expected a property name', '$filter');
    if (!properties.has(tok.v))
      throw badQuery(`Could not find a property named '${tok.v}'`, '$filter');
    return tok.v;
  };
  const literal = (): unknown => {
    const tok = tokens[pos++];
    if (!tok) throw badQuery('expected a literal', '$filter');
    if (tok.t === 'string' || tok.t === 'number' || tok.t === 'datetime') return tok.v;
    if (tok.t === 'ident' && (tok.v === 'true' || tok.v === 'false')) return tok.v === 'true';
    if (tok.t === 'ident' && tok.v === 'null') return null;
    throw badQuery('expected a literal', '$filter');
  };

  const orExpr = (): RowPredicate => {
    let left = andExpr();
    while (isWord('or')) {
      pos++;
      const l = left;
      const r = andExpr();
      left = (row) => l(row) || r(row);
    }
    return left;
  };
  const andExpr = (): RowPredicate => {
    let left = unary();
    while (isWord('and')) {
      pos++;
      const l = left;
      const r = unary();
      left = (row) => l(row) && r(row);
    }
    return left;
  };
  const unary = (): RowPredicate => {
    if (isWord('not')) {
      pos++;
      const inner = unary();
      return (row) => !inner(row);
    }
    const tok = peek();
    if (tok?.t === 'punct' && tok.v === '(') {
      pos++;
      const inner = orExpr();
      expectPunct(')');
      return inner;
    }
    if (tok?.t === 'ident' && (FUNCTIONS as readonly string[]).includes(tok.v)) {
      pos++;
      const fn = tok.v as (typeof FUNCTIONS)[number];
      expectPunct('(');
      const prop = property();
      expectPunct(',');
      const arg = literal();
      expectPunct(')');
      if (typeof arg !== 'string') throw badQuery(`${fn} needs a string literal`, '$filter');
      return (row) => {
        const v = row[prop];
        if (typeof v !== 'string') return false;
        return fn === 'contains'
          ? v.includes(arg)
          : fn === 'startswith'
            ? v.startsWith(arg)
            : v.endsWith(arg);
      };
    }
    const prop = property();
    const opTok = tokens[pos++];
    if (!opTok || opTok.t !== 'ident' || !(COMPARISONS as readonly string[]).includes(opTok.v)) {
      throw badQuery('expected a comparison operator', '$filter');
    }
    const op = opTok.v as (typeof COMPARISONS)[number];
    const value = literal();
    return (row) => compareWith(op, row[prop], value);
  };

  const predicate = orExpr();
  if (pos !== tokens.length) throw badQuery('unexpected text after the expression', '$filter');
  return predicate;
}

function compareWith(
  op: (typeof COMPARISONS)[number],
  actual: unknown,
  expected: unknown,
): boolean {
  const a = actual === undefined ? null : actual;
  if (op === 'eq' || op === 'ne') {
    const equal = compareValues(a, expected) === 0;
    return op === 'eq' ? equal : !equal;
  }
  if (a === null || expected === null) return false;
  const c = compareValues(a, expected);
  if (Number.isNaN(c)) return false;
  return op === 'gt' ? c > 0 : op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
}

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
