import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  mergeFigures,
  runEachInOwnProcess,
  runsEachInOwnProcess,
} from '../../bench/benchProcesses';
import { figures, type BenchFigures } from '../../bench/report';

/**
 * A run of several benchmarks starts each in a process of its own, so none measures the heap
 * another left behind, and the run's figures still come out together (bench/benchProcesses.ts).
 */
describe('each benchmark in its own process', () => {
  it('only for a run of several, not in a child, not with BENCH_ONE_PROCESS', () => {
    expect(runsEachInOwnProcess(['throughput', 'settle'], {})).toBe(true);
    expect(runsEachInOwnProcess(['settle'], {})).toBe(false);
    expect(runsEachInOwnProcess(['throughput', 'settle'], { BENCH_CHILD: '1' })).toBe(false);
    expect(runsEachInOwnProcess(['throughput', 'settle'], { BENCH_ONE_PROCESS: '1' })).toBe(false);
    expect(runsEachInOwnProcess(['throughput', 'settle'], { BENCH_ONE_PROCESS: '0' })).toBe(true);
  });

  it("merges a child's keys, at their dotted paths too, and its benchmarks", () => {
    const into: BenchFigures = { machine: 'parent', keys: { 'a.x': 1 }, benchmarks: {} };
    mergeFigures(into, {
      machine: 'child',
      keys: { 'settle.ratio_to_parse': 0.5, 'b.by': { '0': 2 } },
      benchmarks: { settle: { scenarios: {}, tables: { t: [{ step: 'parse', ms: 3 }] } } },
    });
    expect(into.machine).toBe('parent');
    expect(into.keys).toEqual({ 'a.x': 1, 'settle.ratio_to_parse': 0.5, 'b.by': { '0': 2 } });
    expect((into as unknown as { settle: { ratio_to_parse: number } }).settle.ratio_to_parse).toBe(
      0.5,
    );
    expect(into.benchmarks.settle.tables.t).toEqual([{ step: 'parse', ms: 3 }]);
  });

  describe('children', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'bench-processes-'));
      // A stand-in for bench/run.js: records its pid under its benchmark's key; "broken" fails.
      writeFileSync(
        join(dir, 'run.js'),
        `const name = process.argv[2];
if (name === 'broken') process.exit(3);
require('node:fs').writeFileSync(process.env.BENCH_JSON, JSON.stringify({
  machine: 'child', keys: { [name + '.pid']: process.pid, [name + '.child']: process.env.BENCH_CHILD === '1' ? 1 : 0 },
  benchmarks: { [name]: { scenarios: {}, tables: {} } },
}));
`,
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('runs each in its own child, in order, and keeps the others after a failure', () => {
      const code = runEachInOwnProcess(['first', 'broken', 'last'], {}, join(dir, 'run.js'));
      expect(code).toBe(3);
      const pids = [figures.keys['first.pid'], figures.keys['last.pid']];
      expect(pids.every((pid) => typeof pid === 'number' && pid !== process.pid)).toBe(true);
      expect(pids[0]).not.toBe(pids[1]);
      expect(figures.keys['first.child']).toBe(1);
      expect(Object.keys(figures.benchmarks)).toEqual(expect.arrayContaining(['first', 'last']));
      expect(figures.keys['broken.pid']).toBeUndefined();
    });
  });
});
