/**
 * Finding a report export's columns by their header text. The exports are read by name, never
 * by position: 3CX versions and the admin's column choice differ (docs/3cx-facts.md §8). Names
 * are compared without case, spaces or punctuation, and each column may have a few spellings.
 */
export interface ColumnSpec {
  names: readonly string[];
  required: boolean;
}

export type ColumnIndex<K extends string> = Record<K, number>;

export class MissingColumnsError extends Error {
  override name = 'MissingColumnsError';
  constructor(
    readonly missing: readonly string[],
    readonly found: readonly string[],
  ) {
    super(
      `missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (the header has: ${found.join(', ')})`,
    );
  }
}

/** Where each column is (-1 for an optional column that is absent); throws for missing ones. */
export function findColumns<K extends string>(
  header: readonly string[],
  spec: Readonly<Record<K, ColumnSpec>>,
): ColumnIndex<K> {
  const normalised = header.map(normaliseColumnName);
  const index = {} as ColumnIndex<K>;
  const missing: string[] = [];
  for (const key of Object.keys(spec) as K[]) {
    const column = spec[key];
    const at = normalised.findIndex((h) => column.names.some((n) => normaliseColumnName(n) === h));
    if (at < 0 && column.required) missing.push(column.names[0]);
    index[key] = at;
  }
  if (missing.length > 0)
    throw new MissingColumnsError(
      missing,
      header.map((h) => h.trim()),
    );
  return index;
}

export function normaliseColumnName(name: string): string {
  return name
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** The cell of a column, trimmed; '' for an absent optional column or a short row. */
export function cell(cells: readonly string[], at: number): string {
  if (at < 0 || at >= cells.length) return '';
  return cells[at].trim();
}
