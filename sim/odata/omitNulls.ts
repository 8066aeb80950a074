/**
 * Drops null-valued keys, deeply: a live XAPI leaves a null property out of the JSON instead of
 * sending `null` (docs/xapi-schemas.md §5, seen by bonvies on CallLog, InboundCall and more). Objects
 * without nulls are returned as they are (no copy): call-log pages can hold thousands of rows.
 */
export function omitNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = omitNulls(value[i]);
      if (v !== value[i]) (copy ??= value.slice())[i] = v;
    }
    return (copy ?? value) as T;
  }
  if (value === null || typeof value !== 'object') return value;
  let copy: Record<string, unknown> | null = null;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === null || v === undefined) {
      copy ??= { ...(value as Record<string, unknown>) };
      delete copy[key];
      continue;
    }
    const cleaned = omitNulls(v);
    if (cleaned !== v) (copy ??= { ...(value as Record<string, unknown>) })[key] = cleaned;
  }
  return (copy ?? value) as T;
}
