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
 * One question per object of a JSON array parameter, answered from `table` in one read (a
 * batch's calls, each with its own number and window): the FROM clause (its first `?` is the
 * JSON text, then those of `where`) and how to name a field of the question (`field`), text.
 * The table's rows that answer a question are `where(field)` on `rows.alias`, and their
 * `columns` are what the select may name of them. SQLite joins `json_each` to the table with
 * CROSS JOIN, which keeps the questions the outer loop, so the table's index is searched once
 * per question (a plain JOIN let it scan the location's rows and try each question on each:
 * 1,653 against 3,184–4,492 events/s caught up: BENCHMARKS.md, "pgreads"). Postgres runs a LATERAL subquery per
 * question (`OFFSET 0` keeps it one): as a plain join, its planner may read all of the
 * location's rows and hash them, 3.4 ms at 3,000 stored misses against ~0.1 ms of lookups.
 * `alias`, `fields` and the texts are the repositories' own constants, never request text.
 */
export function jsonRecordRows(
  dialect: SqlDialect,
  question: { alias: string; fields: readonly string[] },
  rows: {
    table: string;
    alias: string;
    columns: readonly string[];
    where: (field: (name: string) => string) => string;
    /**
     * SQLite: the index to read the rows by (`INDEXED BY`), where the planner, which has no
     * statistics, would take another that also fits.
     */
    index?: string;
    /**
     * SQLite: read each question's fields once, not once per table row the search meets. A
     * field that is not a bound of the index search (`c.call_id != …`) is otherwise taken out
     * of the JSON text again for every row: a question whose search meets 2,000 rows cost
     * 1.4 ms against 0.4 read once (BENCHMARKS.md `stall6`). The questions are then a
     * subquery SQLite runs beside the join (`LIMIT -1` keeps it from merging it back).
     */
    fieldsOnce?: boolean;
  },
): { from: string; field: (name: string) => string } {
  const q = question.alias;
  if (dialect === 'sqlite') {
    const indexed = rows.index === undefined ? '' : ` INDEXED BY ${rows.index}`;
    const join = `${rows.table} ${rows.alias}${indexed}`;
    if (rows.fieldsOnce) {
      const field = (name: string) => `${q}.${name}`;
      const fields = question.fields.map((f) => `value ->> '$.${f}' AS ${f}`).join(', ');
      return {
        from: `(SELECT ${fields} FROM json_each(?) LIMIT -1) AS ${q} CROSS JOIN ${join} ON ${rows.where(field)}`,
        field,
      };
    }
    const field = (name: string) => `${q}.value ->> '$.${name}'`;
    return { from: `json_each(?) AS ${q} CROSS JOIN ${join} ON ${rows.where(field)}`, field };
  }
  const field = (name: string) => `${q}.${name}`;
  const columns = rows.columns.map((c) => `${rows.alias}.${c}`).join(', ');
  return {
    from: `json_to_recordset(?::json) AS ${q}(${question.fields.map((f) => `${f} text`).join(', ')})
      CROSS JOIN LATERAL (SELECT ${columns} FROM ${rows.table} ${rows.alias}
        WHERE ${rows.where(field)} OFFSET 0) AS ${rows.alias}`,
    field,
  };
}
