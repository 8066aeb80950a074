/**
 * Reading what a Zap step's fields hold. Zapier hands values over as the user typed or mapped
 * them: a boolean field may arrive as `true`, `"true"` or `"yes"`, an optional field left
 * empty as `""` or not at all, a list field as one comma-separated string from a mapped step.
 */
const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', '']);

/** `undefined` when the field was left empty; throws on a value that is neither yes nor no. */
export function readBoolean(value: unknown, label: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (word === '') return undefined;
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new Error(`${label}: expected yes or no, got "${String(value)}".`);
}

/** A trimmed string, or `undefined` when empty. */
export function readText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/** A choice among `allowed`, or `undefined` when empty; throws on anything else. */
export function readChoice<T extends string>(
  value: unknown,
  allowed: readonly T[],
  label: string,
): T | undefined {
  const text = readText(value);
  if (text === undefined) return undefined;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new Error(`${label}: "${text}" is not one of ${allowed.join(', ')}.`);
}

/**
 * A list field: an array, or a mapped comma-separated string ("vip, callback"). Empty items are
 * dropped and duplicates kept once, in order.
 */
export function readList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item ?? '').split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : [...new Set(items)];
}
