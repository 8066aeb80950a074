import type { SqlDialect } from './sqlDatabase';

/**
 * A top-level field of a JSON text column, in each dialect's words: SQLite's `->> '$.key'`,
 * Postgres's `::jsonb ->> 'key'`. `key` and `column` are the repositories' own constants,
 * never request text.
 */
export function jsonText(dialect: SqlDialect, column: string, key: string): string {
  return dialect === 'sqlite' ? `${column} ->> '$.${key}'` : `(${column}::jsonb ->> '${key}')`;
}

/** A JSON boolean field as 1/0 (null when absent), as SQLite's `->>` returns it. */
export function jsonFlag(dialect: SqlDialect, column: string, key: string): string {
  return dialect === 'sqlite'
    ? `${column} ->> '$.${key}'`
    : `((${column}::jsonb ->> '${key}')::boolean)::int`;
}

/**
 * The strings of a JSON array parameter as rows, for `x IN (…)` with a list of any length in
 * one parameter: SQLite's `json_each`, Postgres's `json_array_elements_text`.
 */
export function jsonListRows(dialect: SqlDialect): string {
  return dialect === 'sqlite'
    ? 'SELECT value FROM json_each(?)'
    : 'SELECT json_array_elements_text(?::json)';
}

/**
 * The objects of a JSON array parameter as rows with text fields `fields`, for one read that
 * asks the same question for many rows at once (a batch's calls, each with its own number and
 * window) in one parameter: SQLite's `json_each` and `->>`, Postgres's `json_to_recordset`.
 * `from` goes in a FROM clause (its one `?` is the JSON text); `field` names a field of a row.
 * `alias` and `fields` are the repositories' own constants, never request text.
 */
export function jsonRecordRows(
  dialect: SqlDialect,
  alias: string,
  fields: readonly string[],
): { from: string; field: (name: string) => string } {
  return dialect === 'sqlite'
    ? { from: `json_each(?) AS ${alias}`, field: (name) => `${alias}.value ->> '$.${name}'` }
    : {
        from: `json_to_recordset(?::json) AS ${alias}(${fields.map((f) => `${f} text`).join(', ')})`,
        field: (name) => `${alias}.${name}`,
      };
}
