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
