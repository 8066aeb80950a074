import { z } from 'zod';

/**
 * A stored row whose JSON column does not have the shape this bridge version writes: the
 * database was edited by hand, damaged, or written by a version whose shape no migration
 * (schema.ts) carried over. The request or poll that read it fails with this error, naming the
 * row; nothing reads garbage as data and the process keeps serving everything else.
 */
export class CorruptRowError extends Error {
  constructor(
    readonly table: string,
    /** The row's key, as `column=value` pairs. */
    readonly row: string,
    readonly column: string,
    readonly problem: string,
  ) {
    super(
      `The stored ${table} row ${row} has an unreadable ${column} (${problem}). ` +
        'The database was changed outside the bridge or is damaged: restore it from a backup, or delete that row.',
    );
    this.name = 'CorruptRowError';
  }
}

/** Where a JSON value was read from, for the error. */
export interface StoredAt {
  table: string;
  row: string;
  column: string;
}

/**
 * Parse a stored JSON column with the schema of what the bridge writes there. Cheap enough
 * for the hot paths (one `JSON.parse` and one zod pass over a small object); a mismatch is a
 * `CorruptRowError`, never a value cast to a type it does not have.
 */
export function parseStoredJson<S extends z.ZodType>(
  schema: S,
  text: unknown,
  at: StoredAt,
): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(String(text));
  } catch (error) {
    throw new CorruptRowError(at.table, at.row, at.column, `not JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(value);
  if (!result.success)
    throw new CorruptRowError(at.table, at.row, at.column, describe(result.error));
  return result.data;
}

/** The first few issues, each with its path: enough to find the damage, bounded in size. */
function describe(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(the value)';
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 3 ? `; and ${error.issues.length - 3} more` : '';
  return `${issues.join('; ')}${more}`;
}
