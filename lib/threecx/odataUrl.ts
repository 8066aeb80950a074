/**
 * OData v4 URL pieces as 3CX's XAPI accepts them (docs/3cx-facts.md §1.1, §1.3).
 *
 * Function parameters sit inside the path: `Pbx.GetCallLogData(periodFrom=…,sourceFilter='',…)`.
 * The 3CX web console percent-encodes `:` (`periodFrom=2025-03-13T23%3A00%3A00.000Z`,
 * `waitInterval='0%3A00%3A0'`), other clients send `=`, `,`, `'` and `:` readable and are
 * answered the same (docs/xapi-schemas.md §1.2 [obs luxzg]): the server decodes the path before
 * parsing it. So anything else in a value (space, `+`, `%`, `#`, `?`, `&`, `/`, non-ASCII) is
 * percent-encoded and those characters are kept readable, for readable logs.
 */

/** A parameter value already written as an OData literal (see the functions below). */
export type ODataLiteral = string & { readonly __odataLiteral: true };

/** `'text'`, with `'` doubled as OData requires (docs/3cx-facts.md §1.3 [off xt]). */
export function stringLiteral(text: string): ODataLiteral {
  return `'${text.replace(/'/g, "''")}'` as ODataLiteral;
}

export function intLiteral(value: number): ODataLiteral {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not an integer: ${value}`);
  return String(value) as ODataLiteral;
}

export function boolLiteral(value: boolean): ODataLiteral {
  return (value ? 'true' : 'false') as ODataLiteral;
}

/**
 * UTC date-time, unquoted: `2026-03-01T00:00:00Z`. Milliseconds only when not zero. Both forms
 * match the spec's date-time pattern (`…:[0-5][0-9]([.][0-9]{1,12})?(Z|…)`, docs/xapi-schemas.md §0).
 */
export function dateTimeLiteral(millis: number): ODataLiteral {
  if (!Number.isFinite(millis)) throw new RangeError('not a date-time');
  const iso = new Date(millis).toISOString();
  if (!/^\d{4}-/.test(iso)) throw new RangeError(`date-time out of range: ${iso}`);
  return iso.replace('.000Z', 'Z') as ODataLiteral;
}

/** Percent-encode a literal but keep what the 3CX console keeps readable. */
function encodeLiteral(literal: ODataLiteral): string {
  return encodeURIComponent(literal)
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%3D/gi, '=');
}

/**
 * `Pbx.GetCallLogData(periodFrom=…,periodTo=…)`: a bound function call path segment, with the
 * parameters in the given order (3CX needs every one of them, docs/3cx-facts.md §1.3).
 */
export function functionCall(
  name: string,
  parameters: ReadonlyArray<readonly [string, ODataLiteral]>,
): string {
  const args = parameters.map(([key, literal]) => `${key}=${encodeLiteral(literal)}`).join(',');
  return `${name}(${args})`;
}

export type QueryOptions = Record<string, string | number | boolean | undefined>;

/**
 * `?$top=500&$skip=0&$orderby=StartTime%20asc`. Keys such as `$top` are sent as they are
 * (the 3CX console sends `%24top`, other clients `$top`: both are decoded alike,
 * docs/xapi-schemas.md §1.2); values are percent-encoded, with
 * `,` kept readable for `$select` lists. Undefined values are left out.
 */
export function queryString(options: QueryOptions): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    parts.push(`${key}=${encodeURIComponent(String(value)).replace(/%2C/gi, ',')}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
