import { parse } from 'csv-parse';

/** Something wrong with one row of an export: where it is, and what to fix. */
export interface ExportProblem {
  file: string;
  /** 1-based line of the file (a quoted cell may span lines: the line the row ends on). */
  line: number;
  /** The column at fault, by its header name; null for the row as a whole. */
  column: string | null;
  message: string;
}

export interface CsvExportHandlers {
  /** The header row; throw (a UsageError) when the file is not the export it should be. */
  header(cells: string[]): void;
  /** A data row and its line. */
  row(cells: string[], line: number): void;
  problem(problem: ExportProblem): void;
  /** Every `progressEvery` rows: how far the file is read. */
  progress?(rows: number, line: number): void;
}

export const PROGRESS_EVERY = 20_000;

/**
 * Reads a 3CX report export (CSV, with or without a byte-order mark) row by row with
 * csv-parse. A row that is not CSV (a stray quote) is reported with its line and skipped; the
 * file never stops being read because of one row. Blank lines are skipped.
 */
export async function readCsvExport(
  text: string,
  file: string,
  handlers: CsvExportHandlers,
): Promise<{ rows: number }> {
  // Lines are counted here rather than with csv-parse's `info` (an object per row): a record
  // takes one line plus the line breaks inside its quoted cells; blank lines come as [''].
  let line = 0;
  const parser = parse(text, {
    bom: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (error, raw) => {
      line += 1 + lineBreaks(raw ?? '');
      if (error === undefined) return undefined;
      handlers.problem({ file, line, column: null, message: `is not valid CSV: ${error.message}` });
      return undefined;
    },
  });
  let rows = 0;
  let header = true;
  for await (const record of parser as AsyncIterable<string[]>) {
    line += 1;
    for (let i = 0; i < record.length; i++) line += lineBreaks(record[i]);
    if (record.length === 1 && record[0].trim() === '') continue;
    if (header) {
      handlers.header(record);
      header = false;
      continue;
    }
    rows += 1;
    handlers.row(record, line);
    if (rows % PROGRESS_EVERY === 0) handlers.progress?.(rows, line);
  }
  if (header) handlers.header([]);
  return { rows };
}

function lineBreaks(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
