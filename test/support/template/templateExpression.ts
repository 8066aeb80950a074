import {
  DateTimeValue,
  UnsetDateTimeValue,
  TimeSpanValue,
  formatDateTime,
  formatNumber,
  timeSpanText,
  valueText,
  type TemplateValue,
} from './templateValue';

/**
 * 3CX CRM template expressions (docs/3cx-facts.md §4.3), as the runner evaluates them:
 *
 * - `[Name]`: a parameter, a 3CX variable, a response variable, or `[Contact::Field]`;
 * - method calls on a value: `[[X].ToString("F0")]`, `[[[DurationTimespan].get_TotalSeconds()]…]`;
 * - `[IIf(condition, then, else)]`, nestable, arguments quoted with `"` (`&quot;` in XML);
 * - conditions (`SkipIf`, `IIf`): `a==b`, `a!=b`, joined by `&&` and `||`.
 *
 * One *pass* evaluates every bracket expression in a text once; `Passes="2"` evaluates the
 * result again (so a parameter holding `[Number]` expands too). A bracket that names nothing
 * known is left as it is: 3CX sends an unknown variable as its own placeholder [3p].
 */
export type Scope = ReadonlyMap<string, TemplateValue>;

export class TemplateError extends Error {}

const UNRESOLVED = Symbol('unresolved');
type Evaluated = TemplateValue | typeof UNRESOLVED;

export function evaluate(text: string, scope: Scope, passes = 1): string {
  let out = text;
  for (let i = 0; i < passes; i++) out = evaluateOnce(out, scope);
  return out;
}

/** A `SkipIf`/`If` attribute: its variables substituted, then read as a condition. */
export function evaluateCondition(text: string | undefined, scope: Scope): boolean {
  if (text === undefined || text.trim() === '') return false;
  return readCondition(evaluateOnce(text, scope));
}

/** Every variable name a text refers to (for the template's static check). */
export function variableReferences(text: string): string[] {
  const names: string[] = [];
  const visit = (s: string) => {
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== '[') continue;
      const end = closingBracket(s, i);
      if (end < 0) return;
      const inner = s.slice(i + 1, end);
      const ident = /^\s*([A-Za-z_]\w*(?:::[A-Za-z_]\w*)?)\s*$/.exec(inner);
      if (ident) names.push(ident[1]);
      else visit(inner);
      i = end;
    }
  };
  visit(text);
  return names;
}

function evaluateOnce(text: string, scope: Scope): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '[') {
      out += text[i];
      continue;
    }
    const end = closingBracket(text, i);
    if (end < 0) {
      out += text.slice(i);
      break;
    }
    const value = bracketValue(text.slice(i + 1, end), scope);
    out += value === UNRESOLVED ? text.slice(i, end + 1) : valueText(value);
    i = end;
  }
  return out;
}

/** The index of the `]` closing the `[` at `start`, skipping nested brackets and strings. */
function closingBracket(text: string, start: number): number {
  let depth = 0;
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  return -1;
}

/** The value of the text between one pair of brackets. */
function bracketValue(inner: string, scope: Scope): Evaluated {
  const parser = new ExpressionParser(inner, scope);
  const value = parser.expression();
  if (value === UNRESOLVED || !parser.atEnd()) return UNRESOLVED;
  return value;
}

class ExpressionParser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly scope: Scope,
  ) {}

  atEnd(): boolean {
    this.skipSpace();
    return this.i >= this.text.length;
  }

  expression(): Evaluated {
    let value = this.primary();
    while (value !== UNRESOLVED && this.peek() === '.') {
      this.i++;
      const name = this.identifier();
      if (name === null || this.peek() !== '(') return UNRESOLVED;
      const args = this.arguments();
      if (args === UNRESOLVED) return UNRESOLVED;
      value = callMethod(value, name, args);
    }
    return value;
  }

  private primary(): Evaluated {
    this.skipSpace();
    const c = this.text[this.i];
    if (c === '[') {
      const end = closingBracket(this.text, this.i);
      if (end < 0) return UNRESOLVED;
      const inner = this.text.slice(this.i + 1, end);
      this.i = end + 1;
      return bracketValue(inner, this.scope);
    }
    if (c === '"') return this.stringLiteral();
    const name = this.identifier();
    if (name === null) return UNRESOLVED;
    if (name === 'IIf' && this.peek() === '(') return this.iif();
    return this.scope.has(name) ? this.scope.get(name)! : UNRESOLVED;
  }

  /** `IIf(condition, then, else)`: the condition's brackets are substituted, then compared. */
  private iif(): Evaluated {
    const raw = this.rawArguments();
    if (raw === null || raw.length !== 3) throw new TemplateError('IIf takes three arguments');
    const chosen = readCondition(evaluateOnce(raw[0], this.scope)) ? raw[1] : raw[2];
    return argumentValue(chosen, this.scope);
  }

  private arguments(): TemplateValue[] | typeof UNRESOLVED {
    const raw = this.rawArguments();
    if (raw === null) return UNRESOLVED;
    const values: TemplateValue[] = [];
    for (const text of raw) {
      const v = argumentValue(text, this.scope);
      if (v === UNRESOLVED) return UNRESOLVED;
      values.push(v);
    }
    return values;
  }

  /** The argument texts of `( … )` at the cursor, split at top-level commas. */
  private rawArguments(): string[] | null {
    if (this.text[this.i] !== '(') return null;
    const args: string[] = [];
    let depth = 0;
    let quoted = false;
    let start = this.i + 1;
    for (let j = this.i; j < this.text.length; j++) {
      const c = this.text[j];
      if (c === '"') quoted = !quoted;
      if (quoted) continue;
      if (c === '(' || c === '[') depth++;
      else if (c === ')' || c === ']') {
        depth--;
        if (depth === 0) {
          const last = this.text.slice(start, j);
          if (args.length > 0 || last.trim() !== '') args.push(last);
          this.i = j + 1;
          return args;
        }
      } else if (c === ',' && depth === 1) {
        args.push(this.text.slice(start, j));
        start = j + 1;
      }
    }
    return null;
  }

  private stringLiteral(): Evaluated {
    const end = this.text.indexOf('"', this.i + 1);
    if (end < 0) return UNRESOLVED;
    const value = this.text.slice(this.i + 1, end);
    this.i = end + 1;
    return value;
  }

  private identifier(): string | null {
    this.skipSpace();
    const m = /^[A-Za-z_]\w*(?:::[A-Za-z_]\w*)?/.exec(this.text.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.text[this.i];
  }

  private skipSpace(): void {
    while (this.text[this.i] === ' ') this.i++;
  }
}

/** A method argument or an IIf branch: a quoted string, a bracket expression, or bare text. */
function argumentValue(text: string, scope: Scope): Evaluated {
  const t = text.trim();
  if (/^"[^"]*"$/.test(t)) return evaluateOnce(t.slice(1, -1), scope);
  if (t.startsWith('[')) {
    const parser = new ExpressionParser(t, scope);
    const value = parser.expression();
    return parser.atEnd() ? value : UNRESOLVED;
  }
  return evaluateOnce(t, scope);
}

/**
 * The .NET methods templates call. An unmodelled method fails loudly: a template must not pass
 * its tests on a call the runner would silently get wrong.
 */
function callMethod(target: TemplateValue, name: string, args: TemplateValue[]): TemplateValue {
  const format = args.length > 0 ? valueText(args[0]) : '';
  if (target instanceof UnsetDateTimeValue) {
    throw new TemplateError(
      `${name}() on [${target.variable}], a time this call never had: 3CX may fail here (docs/3cx-facts.md §8)`,
    );
  }
  if (target instanceof DateTimeValue && name === 'ToString') {
    return format === '' ? valueText(target) : formatDateTime(target, format);
  }
  if (target instanceof TimeSpanValue) {
    if (name === 'get_TotalSeconds') return target.totalSeconds;
    if (name === 'get_TotalMinutes') return target.totalSeconds / 60;
    if (name === 'ToString' && args.length === 0) return timeSpanText(target);
  }
  if (typeof target === 'number' && name === 'ToString') return formatNumber(target, format);
  if (typeof target === 'string') {
    switch (name) {
      case 'ToString':
        return target;
      case 'Replace':
        return target.split(valueText(args[0])).join(valueText(args[1] ?? ''));
      case 'Trim':
        return target.trim();
      case 'ToLower':
        return target.toLowerCase();
      case 'ToUpper':
        return target.toUpperCase();
    }
  }
  throw new TemplateError(`method ${name}() on ${describe(target)} is not modelled by the runner`);
}

function describe(value: TemplateValue): string {
  if (value instanceof DateTimeValue) return 'a DateTime';
  if (value instanceof TimeSpanValue) return 'a TimeSpan';
  return `a ${typeof value}`;
}

/** `a==b`, `a!=b`, `True`, joined by `&&` (binds tighter) and `||`. */
function readCondition(text: string): boolean {
  return text.split('||').some((any) => any.split('&&').every((part) => comparison(part)));
}

function comparison(text: string): boolean {
  const m = /^(.*?)(==|!=)(.*)$/s.exec(text);
  if (!m) return unquote(text).toLowerCase() === 'true';
  const equal = unquote(m[1]) === unquote(m[3]);
  return m[2] === '==' ? equal : !equal;
}

function unquote(text: string): string {
  const t = text.trim();
  return /^"[^"]*"$/.test(t) ? t.slice(1, -1) : t;
}
