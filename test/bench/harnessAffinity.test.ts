import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { harnessCpu, harnessPlacement, pinToCpu, thisThreadId } from '../../bench/harnessAffinity';
import { threadsOfThisProcess } from '../../bench/procStat';

/**
 * bigstore's stand-ins for other machines kept on one CPU, the bridge's threads free
 * (bench/harnessAffinity.ts): the CPU chosen, and only the threads asked for moved there.
 */
describe("the harness's threads kept on one CPU", () => {
  it('is the last CPU of two or more unless asked otherwise, and none on one CPU', () => {
    expect(harnessCpu({}, 2)).toBe(1);
    expect(harnessCpu({}, 8)).toBe(7);
    expect(harnessCpu({}, 1)).toBeNull();
    expect(harnessCpu({ BENCH_HARNESS_CPU: 'all' }, 2)).toBeNull();
    expect(harnessCpu({ BENCH_HARNESS_CPU: '0' }, 2)).toBe(0);
    expect(harnessCpu({ BENCH_HARNESS_CPU: ' 1 ' }, 2)).toBe(1);
    expect(harnessCpu({ BENCH_HARNESS_CPU: '' }, 2)).toBe(1);
    expect(harnessCpu({ BENCH_HARNESS_CPU: '2' }, 2)).toBeNull();
    expect(harnessCpu({ BENCH_HARNESS_CPU: '-1' }, 2)).toBeNull();
    expect(harnessCpu({ BENCH_HARNESS_CPU: 'last' }, 2)).toBeNull();
    // No `taskset` off Linux: free, whatever is asked.
    expect(harnessCpu({}, 2, 'darwin')).toBeNull();
    expect(harnessCpu({ BENCH_HARNESS_CPU: '1' }, 2, 'win32')).toBeNull();
  });

  it('says where the harness ran, and when it could not be kept where asked', () => {
    expect(harnessPlacement(1, true, true)).toContain('kept on CPU 1');
    expect(harnessPlacement(null, false, false)).toContain('free on every CPU');
    expect(harnessPlacement(1, false, true)).toContain('NOT kept on CPU 1');
    expect(harnessPlacement(1, true, false)).toContain('NOT kept on CPU 1');
  });

  // Where it can be done: Linux, with util-linux's `taskset` (Debian's essential util-linux).
  const canPin =
    process.platform === 'linux' &&
    threadsOfThisProcess().size > 0 &&
    spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  const linux = canPin ? it : it.skip;
  /** The CPUs a thread may run on, as the kernel lists them ("0-1", "1"). */
  const cpusAllowed = (tid: number | string, pid: number | 'self' = 'self'): string =>
    /^Cpus_allowed_list:\s*(\S+)/m.exec(
      readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'),
    )?.[1] ?? '';
  const all = (pid: number | 'self'): string[] =>
    readdirSync(`/proc/${pid}/task`).map((tid) => cpusAllowed(tid, pid));

  linux("keeps one thread on the CPU asked, and leaves this process's others free", async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { readlinkSync } = require('node:fs');
       parentPort.postMessage(Number(readlinkSync('/proc/thread-self').split('/').pop()));
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    try {
      const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
      const before = cpusAllowed(process.pid);
      expect(before).not.toBe('1');
      expect(pinToCpu(tid, 1)).toBe(true);
      expect(cpusAllowed(tid)).toBe('1');
      expect(cpusAllowed(process.pid)).toBe(before);
      // null (one CPU, or `all`) moves nothing; a thread that is gone is no error.
      expect(pinToCpu(process.pid, null)).toBe(false);
      expect(cpusAllowed(process.pid)).toBe(before);
      expect(pinToCpu(2 ** 30, 1)).toBe(false);
    } finally {
      await worker.terminate();
    }
  });

  linux(
    'finds the calling thread by its id (the readers send theirs to the simulator host)',
    () => {
      expect(thisThreadId()).toBe(process.pid);
    },
  );

  linux('keeps every thread of a process on the CPU asked', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      // Node's own threads (V8's workers, the signal watcher) start with it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(readdirSync(`/proc/${child.pid}/task`).length).toBeGreaterThan(1);
      expect(pinToCpu(child.pid!, 1, true)).toBe(true);
      expect(new Set(all(child.pid!))).toEqual(new Set(['1']));
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    }
  });
});
