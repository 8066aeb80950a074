import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figures, recordKey, type BenchFigures } from './report';

/**
 * Each benchmark of a run in a process of its own. Run one after another in one process, a
 * benchmark measured the heap, GC state and leftover threads of the ones before it: the must-show
 * run's `settle` row, after `bigstore` had built and dropped a million stored calls, read 0.56×
 * parse where the same build alone read 0.52–0.54 (BENCHMARKS.md, "the must-show figures on merged
 * main … 15:50–16:06 UTC"). A process a benchmark measures each from the same cold start, as
 * `npm run bench -- <name>` alone does, and the run still prints and writes (`BENCH_JSON`) every
 * figure together.
 *
 * `BENCH_ONE_PROCESS=1` keeps the old way (all in this process).
 */

/** Set in a child: it runs the one benchmark it names and writes its figures to `BENCH_JSON`. */
const CHILD_VARIABLE = 'BENCH_CHILD';

/** Whether this process should start a child per benchmark instead of running them itself. */
export function runsEachInOwnProcess(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return !env[CHILD_VARIABLE] && names.length > 1 && env.BENCH_ONE_PROCESS !== '1';
}

/**
 * A child's figures added to this run's: its headline keys (by name and at their dotted paths,
 * `recordKey`) and its benchmarks' scenarios and tables. The machine line stays this process's.
 */
export function mergeFigures(into: BenchFigures, child: BenchFigures): void {
  for (const [name, value] of Object.entries(child.keys)) recordKey(name, value, into);
  for (const [name, benchmark] of Object.entries(child.benchmarks)) {
    into.benchmarks[name] = benchmark;
  }
}

/**
 * Run every benchmark of `names`, in order, each in a child started with this process's Node
 * flags and environment (so each relaunches itself for https receivers when it needs to,
 * bench/benchTls.ts), its output on this terminal. Returns the exit code: 0 when every child
 * ended well, else the first failure's (the others still run: a long run is not lost to one).
 */
export function runEachInOwnProcess(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  script: string = process.argv[1],
): number {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bench-run-'));
  let exitCode = 0;
  try {
    names.forEach((name, i) => {
      const file = join(dir, `${i}-${name}.json`);
      const child = spawnSync(process.execPath, [...process.execArgv, script, name], {
        stdio: 'inherit',
        env: { ...env, [CHILD_VARIABLE]: '1', BENCH_JSON: file },
      });
      const status = child.status ?? 1;
      if (status !== 0) {
        process.stderr.write(`benchmark ${name} ended with exit code ${status}\n`);
        if (exitCode === 0) exitCode = status;
        return;
      }
      mergeFigures(figures, JSON.parse(readFileSync(file, 'utf8')) as BenchFigures);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return exitCode;
}
