import { Worker } from 'node:worker_threads';
import { harnessNice, lowerThisProcess, lowerThread } from '../../bench/harnessPriority';
import { threadsOfThisProcess } from '../../bench/procStat';

/**
 * The bench's stand-ins for other machines run below the bridge's priority, thread by thread
 * (bench/harnessPriority.ts): the threads asked for, and no other.
 */
describe("the harness's threads at a lower priority", () => {
  it("is the bridge's priority unless asked, never above it, the readers apart if asked", () => {
    expect(harnessNice({})).toBe(0);
    expect(harnessNice({ BENCH_HARNESS_NICE: '10' })).toBe(10);
    expect(harnessNice({ BENCH_HARNESS_NICE: '25' })).toBe(19);
    expect(harnessNice({ BENCH_HARNESS_NICE: '-5' })).toBe(0);
    expect(harnessNice({ BENCH_HARNESS_NICE: 'low' })).toBe(0);
    expect(harnessNice({ BENCH_HARNESS_NICE: '10' }, 'READERS')).toBe(10);
    expect(harnessNice({ BENCH_HARNESS_NICE: '10', BENCH_READERS_NICE: '0' }, 'READERS')).toBe(0);
    expect(harnessNice({ BENCH_READERS_NICE: '5' }, 'READERS')).toBe(5);
    expect(harnessNice({ BENCH_READERS_NICE: '5' })).toBe(0);
  });

  /** A worker thread named `name` (Node names the thread so), until `end` is called. */
  async function probe(name: string): Promise<{ tid: string; end: () => Promise<number> }> {
    const before = new Set(threadsOfThisProcess().keys());
    const worker = new Worker(
      "require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1000)",
      { eval: true, name },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const [tid] = [...threadsOfThisProcess()].find(
      ([id, t]) => !before.has(id) && t.name === name,
    )!;
    return { tid, end: () => worker.terminate() };
  }

  const linux = process.platform === 'linux' ? it : it.skip;

  linux('lowers the threads of the name given, and leaves the others as they were', async () => {
    const a = await probe('harness-prio-a');
    const b = await probe('harness-prio-b');
    try {
      const before = threadsOfThisProcess();
      lowerThisProcess(7, 'harness-prio-a');
      const after = threadsOfThisProcess();
      expect(after.get(a.tid)!.nice).toBe(7);
      for (const [tid, thread] of after)
        if (tid !== a.tid && before.has(tid)) expect(thread.nice).toBe(before.get(tid)!.nice);
      expect(after.get(b.tid)!.nice).toBe(before.get(b.tid)!.nice);
      expect(after.get(String(process.pid))!.nice).toBe(before.get(String(process.pid))!.nice);
    } finally {
      await a.end();
      await b.end();
    }
  });

  linux('lowers one thread by its id, and does nothing at 0', async () => {
    const a = await probe('harness-prio-c');
    try {
      const was = threadsOfThisProcess().get(a.tid)!.nice;
      lowerThread(Number(a.tid), 0);
      expect(threadsOfThisProcess().get(a.tid)!.nice).toBe(was);
      lowerThread(Number(a.tid), 9);
      expect(threadsOfThisProcess().get(a.tid)!.nice).toBe(9);
      // A thread that is gone, or a value out of range, is left alone without an error.
      expect(() => lowerThread(2 ** 30, 9)).not.toThrow();
      expect(() => lowerThread(Number(a.tid), 99)).not.toThrow();
    } finally {
      await a.end();
    }
  });
});
