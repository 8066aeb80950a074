/**
 * The template's `<Number Prefix MaxLength>` element: how 3CX shapes `[Number]` before any
 * scenario sees it (docs/3cx-facts.md §4.2 [off d-crm]):
 *
 * - `AsIs` keeps the international prefix (`+`, `00`), `Off` strips it, `Plus` writes it as
 *   `+`, `Zeros` as `00`. A number without one (national `0412…`) is left alone.
 * - `MaxLength` keeps only the last N digits (`+123456789` ⇒ `456789` for 6); empty keeps all.
 */
export function shapeNumber(raw: string, prefix: string, maxLength: string): string {
  const text = raw.trim();
  const international = text.startsWith('+')
    ? text.slice(1)
    : text.startsWith('00')
      ? text.slice(2)
      : null;
  let shaped: string;
  switch (prefix) {
    case 'AsIs':
      shaped = text;
      break;
    case 'Off':
      shaped = international ?? text;
      break;
    case 'Plus':
      shaped = international === null ? text : `+${international}`;
      break;
    case 'Zeros':
      shaped = international === null ? text : `00${international}`;
      break;
    default:
      throw new Error(`<Number Prefix="${prefix}"> is not AsIs, Off, Plus or Zeros`);
  }
  const limit = maxLength.trim();
  if (limit === '') return shaped;
  if (!/^\d+$/.test(limit)) throw new Error(`<Number MaxLength="${maxLength}"> is not a number`);
  const digits = shaped.replace(/\D/g, '');
  return digits.length > Number(limit) ? digits.slice(-Number(limit)) : shaped;
}
