import type { z } from 'zod';
import { compiledIfAny, compiledParse } from '../schemas/compiledParse';

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
  const result = compiledIfAny(schema).safeParse(value);
  if (!result.success)
    throw new CorruptRowError(at.table, at.row, at.column, describe(result.error));
  return result.data;
}

/**
 * Compile the schemas a repository checks its JSON columns with, when its module loads:
 * `parseStoredJson` then checks each row with zod's compiled parse, the same answer as the
 * interpreter's without its cold first parse inside a request (schemas/compiledParse.ts).
 */
export function compileStoredJsonSchemas(...schemas: z.ZodType[]): void {
  for (const schema of schemas) compiledParse(schema);
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

/**
 * A stored JSON column's rows as the API writes them, checked once per row and text: the text
 * `JSON.stringify(parseStoredJson(schema, stored, …))` gives, remembered for the last
 * `capacity` rows read. A row read again with the very text it had (and the same schema) is
 * served from memory without its parse, check and serialisation; a row whose text changed, or
 * that was not read lately, goes through `parseStoredJson` again, so an unreadable row is
 * never served (its `CorruptRowError` is thrown as before) and a row in an older version's
 * form (a migration's `json_set` appends keys: schema.ts; a row from before `test` existed)
 * is served in today's form, byte for byte what parsing it answers.
 *
 * Why: the feed's clients poll its newest page (Zapier `performList`, Make), so the same rows
 * are read again and again, and parsing and checking each row's JSON and serialising it again
 * held the event loop ~0.5 ms a 100-event page on every request (issue 16: no stall over
 * 50 ms; BENCHMARKS.md "stall3", "stall4"). Stored JSON is text in both dialects (schema.ts,
 * pgSchema.ts: `payload TEXT`, not Postgres `jsonb`, which would not keep the text as written).
 */
export class CheckedJsonTexts {
  /** By row key, least recently read first (a `Map` keeps its insertion order). */
  private readonly rows = new Map<
    number | string,
    { schema: z.ZodType; stored: string; served: string }
  >();

  constructor(
    private readonly where: { table: string; key: string; column: string; capacity: number },
  ) {}

  /** The row's column as the API writes it; `CorruptRowError` when it is unreadable. */
  served(key: number | string, schema: z.ZodType, stored: string): string {
    const known = this.rows.get(key);
    if (known !== undefined && known.stored === stored && known.schema === schema) {
      // Most recently read now: a page read over and over stays in memory.
      this.rows.delete(key);
      this.rows.set(key, known);
      return known.served;
    }
    const text = JSON.stringify(
      parseStoredJson(schema, stored, {
        table: this.where.table,
        row: `${this.where.key}=${key}`,
        column: this.where.column,
      }),
    );
    this.rows.delete(key);
    if (this.rows.size >= this.where.capacity) this.rows.delete(this.rows.keys().next().value!);
    // The text as written, when it is already the served form: one string kept, not two.
    this.rows.set(key, { schema, stored, served: text === stored ? stored : text });
    return text;
  }
}
