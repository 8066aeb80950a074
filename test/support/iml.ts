/**
 * An evaluator for the IML (Make's `{{…}}` expressions) that the Make app in `make/` uses, and
 * nothing more: a test evaluates every request the app declares and sends it to the real
 * bridge. It FAILS on any function, variable or keyword it does not know, so a new expression
 * in the app cannot pass untested. Semantics follow Make's docs (docs/zapier-facts.md §10):
 *
 * - `{{a.b.c}}` reads a variable's path; a missing property is empty (`undefined`), an unknown
 *   top-level variable is an error;
 * - a string that is exactly one `{{…}}` keeps the value's type (an array stays an array, an
 *   empty value stays empty and is left out of a query or body); text around `{{…}}` makes a
 *   string, with empty values as "";
 * - functions (Make's function reference): `ifempty(a, b)` (b when a is empty: undefined, null,
 *   "" or []), `if(condition, a, b)`, `contains(array, value)`, `toCollection(array, keyName,
 *   valueName)`; keywords `null`, `emptyarray`; single-quoted strings and numbers.
 */
export type ImlContext = Record<string, unknown>;

export class ImlError extends Error {}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  ifempty: (value, fallback) => (isEmpty(value) ? fallback : value),
  if: (condition, yes, no) => (truthy(condition) ? yes : no),
  contains: (list, value) => Array.isArray(list) && list.includes(value),
  toCollection: (list, keyName, valueName) => {
    if (list === undefined || list === null) return undefined;
    if (!Array.isArray(list)) throw new ImlError('toCollection: expected an array');
    const out: Record<string, unknown> = {};
    for (const entry of list as Record<string, unknown>[])
      out[String(entry[String(keyName)])] = entry[String(valueName)];
    return out;
  },
};

const KEYWORDS: Record<string, () => unknown> = {
  null: () => null,
  emptyarray: () => [],
};

/** The functions and keywords this evaluator knows: the test checks the app uses only these. */
export const KNOWN_FUNCTIONS = Object.keys(FUNCTIONS);

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
}

function truthy(value: unknown): boolean {
  return !isEmpty(value) && value !== false;
}

// ---- parsing one expression -------------------------------------------------------------------

type Token = { kind: 'name' | 'string' | 'number' | 'punct'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s*(?:([A-Za-z_][\w]*(?:\.[A-Za-z_0-9][\w]*)*)|'((?:[^'\\]|\\.)*)'|(\d+(?:\.\d+)?)|([(),]))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(expression);
    if (!m) throw new ImlError(`cannot read "${expression.slice(at)}" in {{${expression}}}`);
    if (m[1] !== undefined) tokens.push({ kind: 'name', text: m[1] });
    else if (m[2] !== undefined)
      tokens.push({ kind: 'string', text: m[2].replace(/\\(.)/g, '$1') });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else tokens.push({ kind: 'punct', text: m[4] });
    at = pattern.lastIndex;
  }
  return tokens;
}

function evaluateExpression(expression: string, context: ImlContext): unknown {
  const tokens = tokenize(expression);
  let i = 0;
  const next = () => tokens[i++];
  const parse = (): unknown => {
    const token = next();
    if (!token) throw new ImlError(`unexpected end of {{${expression}}}`);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'punct')
      throw new ImlError(`unexpected "${token.text}" in {{${expression}}}`);
    if (tokens[i]?.text === '(') {
      const fn = FUNCTIONS[token.text];
      if (!fn) throw new ImlError(`unknown function ${token.text}() in {{${expression}}}`);
      i++;
      const args: unknown[] = [];
      if (tokens[i]?.text !== ')') {
        for (;;) {
          args.push(parse());
          const sep = next();
          if (sep?.text === ')') break;
          if (sep?.text !== ',') throw new ImlError(`expected , or ) in {{${expression}}}`);
        }
      } else i++;
      return fn(...args);
    }
    const [head, ...path] = token.text.split('.');
    if (path.length === 0 && head in KEYWORDS) return KEYWORDS[head]();
    if (!(head in context))
      throw new ImlError(
        `unknown variable "${head}" in {{${expression}}} (known here: ${Object.keys(context).join(', ')})`,
      );
    let value: unknown = context[head];
    for (const key of path) {
      value =
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    return value;
  };
  const value = parse();
  if (i !== tokens.length)
    throw new ImlError(`unexpected text after the value in {{${expression}}}`);
  return value;
}

// ---- templates --------------------------------------------------------------------------------

const WHOLE = /^\{\{([^{}]*)\}\}$/;
const PART = /\{\{([^{}]*)\}\}/g;

/** Evaluate a string, or every string inside an object or array (keys are kept). */
export function evaluateIml(template: unknown, context: ImlContext): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return evaluateExpression(whole[1], context);
    return template.replace(PART, (_all, expression: string) => {
      const value = evaluateExpression(expression, context);
      return value === undefined || value === null ? '' : String(value);
    });
  }
  if (Array.isArray(template)) return template.map((item) => evaluateIml(item, context));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, evaluateIml(value, context)]),
    );
  }
  return template;
}

/** Every `{{…}}` expression in a definition, for the test that the app uses known IML only. */
export function imlExpressions(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(PART)].map((m) => m[1]);
  if (Array.isArray(value)) return value.flatMap(imlExpressions);
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(imlExpressions);
  return [];
}

/** A value that evaluated to nothing (`undefined`) is left out of a query or a JSON body. */
export function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, withoutEmpty(v)]),
    );
  }
  return value;
}
