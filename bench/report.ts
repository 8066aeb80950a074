import { cpus, loadavg, totalmem } from 'node:os';

/** Benchmarks print figures as tables; none of them asserts a timing. */
export type Row = Record<string, string | number>;

/**
 * What `BENCH_JSON=FILE` writes (bench/run.ts): per benchmark, the measured distributions
 * (`scenario → measure → {count, p50, p95, p99, max, missing, duplicated}`, seconds) that the
 * latency benchmarks record with `recordMeasure`, and every table any benchmark printed.
 */
export interface BenchFigures {
  machine: string;
  /**
   * The headline figures by dotted name (`throughput.end_to_end_events_per_second`), each also
   * written at its path (`figures.throughput.end_to_end_events_per_second`): see `recordKey`.
   */
  keys: Record<string, KeyFigure>;
  benchmarks: Record<
    string,
    {
      scenarios: Record<string, Record<string, MeasureFigures>>;
      tables: Record<string, Row[]>;
    }
  >;
}

export interface MeasureFigures {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  missing: number;
  duplicated: number;
}

/** A headline figure: a number, or numbers by a condition (`{"0": …, "50": …}`). */
export type KeyFigure = number | null | Record<string, number | null>;

export const figures: BenchFigures = { machine: '', keys: {}, benchmarks: {} };

/**
 * Record a headline figure under its dotted name, e.g. `settle.ratio_to_parse`: in `keys` by
 * that name and, for readers that follow the dots, at that path of the JSON document.
 */
export function recordKey(name: string, value: KeyFigure, into: BenchFigures = figures): void {
  into.keys[name] = value;
  const path = name.split('.');
  let node = into as unknown as Record<string, unknown>;
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** The median of a run's figures (null when there are none). */
export function median(values: readonly number[]): number | null {
  return values.length === 0 ? null : percentile(values, 50);
}
let currentBenchmark = 'bench';

/** The benchmark whose figures follow (bench/run.ts sets it). */
export function beginBenchmark(name: string): void {
  currentBenchmark = name;
  figures.benchmarks[name] ??= { scenarios: {}, tables: {} };
}

/** Record one measure of one scenario, in milliseconds (stored in seconds). */
export function recordMeasure(
  scenario: string,
  measure: string,
  valuesMs: readonly number[],
  counts: { missing: number; duplicated: number },
): MeasureFigures {
  const s = (q: number) =>
    valuesMs.length === 0 ? null : round(percentile(valuesMs, q) / 1000, 3);
  const result = {
    count: valuesMs.length,
    p50: s(50),
    p95: s(95),
    p99: s(99),
    max: s(100),
    ...counts,
  };
  beginBenchmark(currentBenchmark);
  const scenarios = figures.benchmarks[currentBenchmark].scenarios;
  scenarios[scenario] ??= {};
  scenarios[scenario][measure] = result;
  return result;
}

export function printTable(title: string, rows: readonly Row[]): void {
  if (rows.length === 0) return;
  beginBenchmark(currentBenchmark);
  figures.benchmarks[currentBenchmark].tables[title] = rows.map((r) => ({ ...r }));
  const columns = Object.keys(rows[0]);
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(`${line(columns)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

function formatCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  }
  return value;
}

export function machineLine(): string {
  const cpu = cpus();
  return `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
}

/** Best of n runs, in milliseconds. */
export function bestOf(n: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return best;
}

export function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Nearest-rank percentile (q in 0–100) of unsorted values; NaN when there are none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Round to `digits` decimals (for table cells). */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Machine load at the time of a run: other work on the box makes timings noisy. */
export function loadLine(): string {
  const [one, five] = loadavg();
  return `load average ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min)`;
}

/** Sleep in real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
