import { readdirSync, readFileSync, statSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { WorkTurns } from '../bridge/workTurns';
import { LocationIngest } from '../bridge/ingest/locationIngest';
import { DeliveryWorker } from '../bridge/delivery/deliveryWorker';
import { PROC_TICK_MS, statCpuTicks, threadsOfThisProcess } from './procStat';
import type { ProcessMeter } from './processMeter';

/**
 * `BENCH_BIGSTORE_TIMELINE=1`: what the bigstore bench's window was made of, second by second,
 * to tell a run with many stalls from one with few (issue 16; BENCHMARKS.md "stall3"). Sampled
 * every `TICK_MS` on the bridge's own loop (a sample that comes late still covers its real
 * interval: every figure is a difference of counters):
 *
 * - the CPU of the bridge's main thread, of its other threads (the API readers' worker, the
 *   checkpoint worker, libuv's pool, V8's), of the simulator host's processes, and of the
 *   whole machine (`/proc/stat`: the other helpers' work too);
 * - the write-ahead log's size;
 * - the slices of `WorkTurns`' lines (the polls', the catch-ups', the API pages'): how many,
 *   the budget each was given and how long each held the loop;
 * - the GC time.
 *
 * Diagnosis only: it patches `WorkTurns.prototype` for the window (restored by `stop`).
 */
export class BigStoreTimeline {
  private readonly samples: Sample[] = [];
  private readonly slices: SliceRecord[] = [];
  private readonly gcs: Array<{ at: number; ms: number; kind: number }> = [];
  private readonly timer: NodeJS.Timeout;
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      this.gcs.push({
        at: entry.startTime,
        ms: entry.duration,
        kind: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0,
      });
  });
  private readonly restore: () => void;
  private readonly transactions: Array<{ at: number; ms: number; label: string; rows: string }> =
    [];
  /** What the transaction about to run holds (a storing batch's calls, a flush's records). */
  private rows = '';
  constructor(
    private readonly startedAt: number,
    private readonly walFile: string,
    /** The line a `WorkTurns` is (its name), for the slices. */
    private readonly lineOf: (turns: WorkTurns) => string,
    db: { transaction<T>(work: () => T): T },
  ) {
    const restoreTurns = this.patchTurns();
    const restoreRows = this.patchRows();
    const transaction = db.transaction;
    db.transaction = <T>(work: () => T): T => {
      const at = performance.now();
      const rows = this.rows;
      this.rows = '';
      try {
        return transaction.call(db, work) as T;
      } finally {
        this.transactions.push({ at, ms: performance.now() - at, label: callerLabel(), rows });
      }
    };
    this.restore = () => {
      restoreTurns();
      restoreRows();
      db.transaction = transaction;
    };
    this.observer.observe({ entryTypes: ['gc'] });
    this.sample();
    this.timer = setInterval(() => this.sample(), TICK_MS);
    this.timer.unref();
  }

  private patchTurns(): () => void {
    interface Turns {
      startSlice(): void;
      release(): Promise<void>;
      sliceStartedAt: number | null;
      sliceBudgetMs: number;
      waiting: unknown[];
    }
    const proto = WorkTurns.prototype as unknown as Turns;
    const startSlice = proto.startSlice;
    const release = proto.release;
    const open = new WeakMap<Turns, SliceRecord>();
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const timeline = this;
    proto.startSlice = function (this: Turns) {
      startSlice.call(this);
      const record: SliceRecord = {
        line: timeline.lineOf(this as unknown as WorkTurns),
        at: performance.now(),
        budgetMs: this.sliceBudgetMs,
        ms: 0,
        turns: 0,
        waitingAfter: 0,
      };
      open.set(this, record);
    };
    proto.release = function (this: Turns) {
      const record = open.get(this);
      if (record) record.turns++;
      const done = release.call(this);
      // The synchronous part of `release` ends the slice when it yields to the loop.
      if (record && this.sliceStartedAt === null) {
        record.ms = performance.now() - record.at;
        record.waitingAfter = this.waiting.length;
        timeline.slices.push(record);
        open.delete(this);
      }
      return done;
    };
    return () => {
      proto.startSlice = startSlice;
      proto.release = release;
    };
  }

  /** A storing batch's calls and events, a delivery flush's records, for the transaction. */
  private patchRows(): () => void {
    interface Ingest {
      storeBatch(events: ReadonlyArray<{ call: { call_id: string } }>, ...rest: unknown[]): void;
    }
    interface Worker {
      flush(): void;
      records: unknown[];
    }
    const ingest = LocationIngest.prototype as unknown as Ingest;
    const worker = DeliveryWorker.prototype as unknown as Worker;
    const storeBatch = ingest.storeBatch;
    const flush = worker.flush;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const timeline = this;
    ingest.storeBatch = function (this: Ingest, events, ...rest) {
      const calls = new Set(events.map((e) => e.call.call_id)).size;
      timeline.rows = `${calls} calls/${events.length} events`;
      return storeBatch.call(this, events, ...rest);
    };
    worker.flush = function (this: Worker) {
      timeline.rows = `${this.records.length} records`;
      return flush.call(this);
    };
    return () => {
      ingest.storeBatch = storeBatch;
      worker.flush = flush;
    };
  }

  private sample(): void {
    const threads = threadsOfThisProcess();
    this.samples.push({
      at: performance.now(),
      threads,
      children: childrenTicks(),
      machine: machineTicks(),
      walBytes: fileSize(this.walFile),
      kernelMs: cpuKernelMs(),
      heap: heapSpaces(),
    });
  }

  /**
   * Stop sampling; print the timeline (one line per second) and the slices inside each stall,
   * with the meter's stalls (BENCH_STALLS=1) and busy stretches of the same window.
   */
  stop(meter: ProcessMeter): void {
    const stalls = meter.stallRecords;
    const loopBusy = meter.busyStretches;
    this.sample();
    clearInterval(this.timer);
    this.observer.disconnect();
    this.restore();
    const out = (line: string) => process.stdout.write(`[timeline] ${line}\n`);
    const first = this.samples[0];
    const mainTid = String(process.pid);
    out(
      's | fastest kernel ms | busy stretches >10/>20/>30/>40/>50 ms, p50 of those >10 | stalls (ms) | main CPU ms | other threads CPU ms (top) | sim host CPU ms | machine busy % | WAL MiB | slices poll/catchup/pages: n, budget max, held max, held sum | GC ms | scavenges n, ms (max) · mark-compact n, ms · incremental n, ms | new space MiB capacity / used, old MiB used (at the end of the second)',
    );
    const seconds = Math.ceil((this.samples.at(-1)!.at - this.startedAt) / 1000);
    for (let s = 0; s < seconds; s++) {
      const from = this.startedAt + s * 1000;
      const to = from + 1000;
      const inSecond = this.samples.filter((x) => x.at >= from && x.at < to);
      const before = [...this.samples].reverse().find((x) => x.at < from) ?? first;
      const last = inSecond.at(-1) ?? before;
      const threadMs = (tid: string) =>
        ((last.threads.get(tid)?.ticks ?? 0) - (before.threads.get(tid)?.ticks ?? 0)) *
        PROC_TICK_MS;
      const others = [...last.threads.keys()]
        .filter((tid) => tid !== mainTid)
        .map((tid) => ({ tid, name: last.threads.get(tid)!.name, ms: threadMs(tid) }))
        .filter((t) => t.ms > 0)
        .sort((a, b) => b.ms - a.ms);
      const otherText = `${others.reduce((sum, t) => sum + t.ms, 0)} (${others
        .slice(0, 3)
        .map((t) => `${t.name}#${t.tid} ${t.ms}`)
        .join(', ')})`;
      const simMs = (last.children - before.children) * PROC_TICK_MS;
      const busy = last.machine.busy - before.machine.busy;
      const total = last.machine.total - before.machine.total;
      const stallsIn = stalls.filter((x) => x.at >= from && x.at < to);
      const sliceText = ['poll', 'catchup', 'pages']
        .map((line) => {
          const mine = this.slices.filter((x) => x.line === line && x.at >= from && x.at < to);
          if (mine.length === 0) return '-';
          const max = (f: (x: SliceRecord) => number) => Math.max(...mine.map(f)).toFixed(0);
          const sum = mine.reduce((t, x) => t + x.ms, 0).toFixed(0);
          return `${mine.length}, ${max((x) => x.budgetMs)}, ${max((x) => x.ms)}, ${sum}`;
        })
        .join(' / ');
      const gcsOf = this.gcs.filter((g) => g.at >= from && g.at < to);
      const gcMs = gcsOf.reduce((t, g) => t + g.ms, 0).toFixed(0);
      const gcText = GC_KINDS.map(([kind]) => {
        const mine = gcsOf.filter((g) => g.kind === kind).map((g) => g.ms);
        const sum = mine.reduce((t, ms) => t + ms, 0);
        return `${mine.length}, ${sum.toFixed(0)}${mine.length ? ` (${Math.max(...mine).toFixed(0)})` : ''}`;
      }).join(' · ');
      const heap = last.heap;
      const heapText = `${heap.newCapacityMiB.toFixed(1)} / ${heap.newUsedMiB.toFixed(1)}, ${heap.oldUsedMiB.toFixed(0)}`;
      // The stretches over 10 ms (a 5 ms timer's lateness), by when they ended.
      const stretches = loopBusy.ms.filter(
        (ms, i) => ms > 10 && loopBusy.endedAt[i] >= from && loopBusy.endedAt[i] < to,
      );
      const over = (ms: number) => stretches.filter((x) => x > ms).length;
      const sorted = [...stretches].sort((a, b) => a - b);
      const stretchText = `${[10, 20, 30, 40, 50].map(over).join('/')}, ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(0)}`;
      const kernel = Math.min(...inSecond.map((x) => x.kernelMs));
      out(
        `${s} | ${Number.isFinite(kernel) ? kernel.toFixed(3) : '-'} | ${stretchText} | ${stallsIn.length}${stallsIn.length ? ` (${stallsIn.map((x) => x.ms.toFixed(0)).join(' ')})` : ''} | ${threadMs(mainTid)} | ${otherText} | ${simMs} | ${total > 0 ? ((busy / total) * 100).toFixed(0) : '?'} | ${(last.walBytes / 2 ** 20).toFixed(1)} | ${sliceText} | ${gcMs} | ${gcText} | ${heapText}`,
      );
    }
    for (const stall of stalls) {
      const inside = this.slices.filter(
        (x) => x.at < stall.at + stall.ms && x.at + x.ms > stall.at,
      );
      const gcsIn = this.gcs.filter((g) => g.at < stall.at + stall.ms && g.at + g.ms > stall.at);
      const gcMs = gcsIn.reduce((t, g) => t + g.ms, 0);
      const byLabel = new Map<string, { n: number; ms: number; rows: string[] }>();
      for (const t of this.transactions)
        if (t.at < stall.at + stall.ms && t.at + t.ms > stall.at) {
          const entry = byLabel.get(t.label) ?? { n: 0, ms: 0, rows: [] };
          entry.n++;
          entry.ms += t.ms;
          if (t.rows) entry.rows.push(`${t.rows} ${t.ms.toFixed(0)} ms`);
          byLabel.set(t.label, entry);
        }
      const gcList = gcsIn.map((g) => `${gcKindLetter(g.kind)} ${g.ms.toFixed(0)}`).join(' + ');
      out(
        `stall at ${((stall.at - this.startedAt) / 1000).toFixed(2)} s, ${stall.ms.toFixed(0)} ms (main CPU ${stall.cpuMs.toFixed(0)}), GC ${gcMs.toFixed(0)} ms${gcList ? ` (${gcList})` : ''}, transactions: ${
          [...byLabel]
            .map(
              ([label, x]) =>
                `${label} ${x.n}× ${x.ms.toFixed(0)} ms${x.rows.length ? ` [${x.rows.join('; ')}]` : ''}`,
            )
            .join(', ') || 'none'
        }; slices: ${
          inside
            .map(
              (x) =>
                `${x.line} ${x.ms.toFixed(0)}/${x.budgetMs.toFixed(0)} ms ${x.turns} turns, ${x.waitingAfter} waiting`,
            )
            .join('; ') || 'none'
        }`,
      );
    }
  }
}

/** The first function of the bridge's own code that asked for a transaction (for diagnosis). */
function callerLabel(): string {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(3)) {
    const match =
      /at (?:async )?([\w.<>]+) \(.*\/dist\/bridge\/(?!store\/(sql|bridgeStore|database))/.exec(
        line,
      );
    if (match) return match[1];
  }
  return '?';
}

/**
 * `PerformanceEntry.detail.kind` of a GC (Node's `constants.NODE_PERFORMANCE_GC_*`): a
 * scavenge of the young generation, a mark-compact of the whole heap, an incremental marking
 * step; the letter each has in a stall's line.
 */
const GC_KINDS: ReadonlyArray<readonly [number, string]> = [
  [1, 'S'],
  [2, 'MC'],
  [4, 'inc'],
];

function gcKindLetter(kind: number): string {
  return GC_KINDS.find(([k]) => k === kind)?.[1] ?? `kind ${kind}`;
}

/** The young generation's capacity and use, the old generation's use (MiB). */
function heapSpaces(): { newCapacityMiB: number; newUsedMiB: number; oldUsedMiB: number } {
  let newCapacityMiB = 0;
  let newUsedMiB = 0;
  let oldUsedMiB = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name === 'new_space') {
      newCapacityMiB = space.space_size / 2 ** 20;
      newUsedMiB = space.space_used_size / 2 ** 20;
    } else if (space.space_name === 'old_space' || space.space_name === 'large_object_space')
      oldUsedMiB += space.space_used_size / 2 ** 20;
  }
  return { newCapacityMiB, newUsedMiB, oldUsedMiB };
}

/** How often the timeline samples its counters (ms). */
const TICK_MS = 100;

interface Sample {
  at: number;
  /** Each thread of this process: its name and CPU ticks (user + system). */
  threads: Map<string, { name: string; ticks: number }>;
  /** CPU ticks of this process's child processes (the simulator host), user + system. */
  children: number;
  machine: { busy: number; total: number };
  walBytes: number;
  /** How long a fixed piece of arithmetic took (`cpuKernelMs`): the core's speed then. */
  kernelMs: number;
  heap: ReturnType<typeof heapSpaces>;
}

/**
 * A fixed piece of arithmetic, timed: its fastest run in a second is the speed the main thread
 * got from its core (slower when the machine under this one, or a sibling hyperthread, takes
 * cycles: nothing inside this machine's own accounting shows that).
 */
function cpuKernelMs(): number {
  const t = performance.now();
  let h = 0;
  for (let i = 0; i < 200_000; i++) h = Math.imul(h ^ i, 0x9e3779b1) >>> 0;
  kernelSink = h;
  return performance.now() - t;
}
let kernelSink = 0;
void kernelSink;

interface SliceRecord {
  line: string;
  at: number;
  budgetMs: number;
  ms: number;
  turns: number;
  waitingAfter: number;
}

function childrenTicks(): number {
  let ticks = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    let children: string[] = [];
    try {
      children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/);
    } catch {
      continue;
    }
    for (const pid of children.filter(Boolean))
      try {
        ticks += statCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        // Gone.
      }
  }
  return ticks;
}

function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const values = cpu.map(Number);
  const total = values.reduce((t, v) => t + v, 0);
  // idle and iowait
  const idle = values[3] + (values[4] ?? 0);
  return { busy: total - idle, total };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
