import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ReceiverConnections } from './benchReceiver';
import type { ReceiverTls } from './benchTls';
import type { JournalLoadSpec, JournalPost } from './journalLoad';
import type {
  Arrival,
  CallTruth,
  HostRequest,
  HostStarted,
  HostUsage,
  SimSpec,
  TrafficSpec,
} from './simHost';

/**
 * The parent's handle on bench/simHost.ts running in child processes: one by default;
 * `processes` > 1 splits the simulators between that many (the webhook receiver, black holes and
 * journal load stay in the first), so that 200 simulated PBXs are not one process on one core.
 */
export class SimHost {
  urls: string[] = [];
  receiverUrl = '';
  receiverUrls: string[] = [];
  /** Every host's threads were kept on the CPU asked (`start`'s `cpu`). */
  pinned = false;

  private constructor(private readonly hosts: HostProcess[]) {}

  /**
   * `receiverTls`: the receiver serves https with it (bench/benchTls.ts); default plain http.
   * `nice`: the hosts' threads at that priority (bench/harnessPriority.ts); default 0, the
   * bridge's. `cpu`: the hosts' threads kept on that CPU (bench/harnessAffinity.ts); default
   * free, as the other benchmarks leave them.
   */
  static async start(
    sims: SimSpec[],
    options: {
      processes?: number;
      receiverTls?: ReceiverTls | null;
      nice?: number;
      cpu?: number | null;
    } = {},
  ): Promise<SimHost> {
    const count = Math.max(1, Math.min(options.processes ?? 1, Math.max(1, sims.length)));
    const per = Math.ceil(sims.length / count);
    const hosts = Array.from({ length: count }, () => HostProcess.fork());
    const host = new SimHost(hosts);
    const started = (await Promise.all(
      hosts.map((h, i) =>
        h.call({
          method: 'start',
          sims: sims.slice(i * per, (i + 1) * per),
          offset: i * per,
          receiverTls: options.receiverTls ?? null,
          nice: options.nice ?? 0,
          cpu: options.cpu ?? null,
        }),
      ),
    )) as HostStarted[];
    host.urls = started.flatMap((s) => s.urls);
    host.receiverUrl = started[0].receiverUrl;
    host.receiverUrls = started[0].receiverUrls;
    host.pinned = started.every((s) => s.pinned);
    return host;
  }

  private get first(): HostProcess {
    return this.hosts[0];
  }

  async traffic(spec: TrafficSpec | null): Promise<unknown> {
    await Promise.all(this.hosts.map((h) => h.call({ method: 'traffic', spec })));
    return null;
  }

  async setClock(at: number): Promise<unknown> {
    await Promise.all(this.hosts.map((h) => h.call({ method: 'setClock', at })));
    return null;
  }

  async calls(): Promise<CallTruth[]> {
    const all = await Promise.all(this.hosts.map((h) => h.call({ method: 'calls' })));
    return (all as CallTruth[][]).flat();
  }

  clock(): Promise<{ sim: number | null; wall: number }> {
    return this.first.call({ method: 'clock' }) as Promise<{ sim: number | null; wall: number }>;
  }

  arrivals(from = 0): Promise<Arrival[]> {
    return this.first.call({ method: 'arrivals', from }) as Promise<Arrival[]>;
  }

  arrivalCount(): Promise<number> {
    return this.first.call({ method: 'arrivalCount' }) as Promise<number>;
  }

  /**
   * Keep thread `tid` (of the bench's process) on `cpu` (bench/harnessAffinity.ts), from the
   * first host's process; true when it was.
   */
  pinThread(tid: number, cpu: number | null): Promise<boolean> {
    return this.first.call({ method: 'pinThread', tid, cpu }) as Promise<boolean>;
  }

  /** Connections the receiver accepted so far, and how many resumed a TLS session. */
  receiverConnections(): Promise<ReceiverConnections> {
    return this.first.call({ method: 'receiverConnections' }) as Promise<ReceiverConnections>;
  }

  /** CPU of all the host processes together (percent of one core when divided by wall time). */
  async usage(): Promise<HostUsage> {
    const all = (await Promise.all(
      this.hosts.map((h) => h.call({ method: 'usage' })),
    )) as HostUsage[];
    return {
      cpuMicros: all.reduce((sum, u) => sum + u.cpuMicros, 0),
      rss: all.reduce((sum, u) => sum + u.rss, 0),
      wallMs: all[0].wallMs,
    };
  }

  /**
   * `BENCH_SIM_CPU_PROFILE=FILE`: start a CPU profile of each host (a no-op without it; the
   * second host's goes to `FILE.1`, …); the returned function writes them. For a benchmark's
   * measured window only.
   */
  async profileWindow(): Promise<() => Promise<void>> {
    const file = process.env.BENCH_SIM_CPU_PROFILE;
    if (!file) return async () => undefined;
    const fileOf = (i: number) => (i === 0 ? file : `${file}.${i}`);
    await Promise.all(this.hosts.map((h, i) => h.call({ method: 'profile', file: fileOf(i) })));
    return async () => {
      await Promise.all(this.hosts.map((h) => h.call({ method: 'profile', file: null })));
    };
  }

  /** Start `count` servers that accept requests and never answer; their URLs. */
  blackHoles(count: number): Promise<string[]> {
    return this.first.call({ method: 'blackHoles', count }) as Promise<string[]>;
  }

  /** Post CRM-template journal entries from the child (bench/journalLoad.ts). */
  journalLoad(spec: JournalLoadSpec): Promise<JournalPost[]> {
    return this.first.call({ method: 'journalLoad', spec }) as Promise<JournalPost[]>;
  }

  async close(): Promise<void> {
    await Promise.all(this.hosts.map((h) => h.close()));
  }
}

/** One child process running bench/simHost.ts: one request, one answer, over IPC. */
class HostProcess {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(`sim host: ${message.error}`));
      else waiter.resolve(message.result);
    });
    child.on('exit', (code) => {
      for (const waiter of this.waiting.values())
        waiter.reject(new Error(`sim host exited (${code})`));
      this.waiting.clear();
    });
  }

  static fork(): HostProcess {
    const child = fork(join(__dirname, 'simHost.js'), [], {
      // BENCH_SIM_CPU_PROFILE_DIR=DIR: a CPU profile of the simulator host, written when it exits.
      execArgv: [
        '--max-old-space-size=4000',
        ...(process.env.BENCH_SIM_CPU_PROFILE_DIR
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SIM_CPU_PROFILE_DIR}`]
          : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new HostProcess(child);
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call({ method: 'close' }).catch(() => undefined);
    await exited;
  }

  call(request: HostRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }
}

/**
 * How long after a leg ends the simulated PBXs log it (`BENCH_CALL_LOG_DELAY_SECONDS`, default
 * 300): 3CX documents no figure, and the one reported is a 5-minute lag (docs/3cx-facts.md §6),
 * so the poller meets late legs inside its re-read window, as it would in production.
 */
export function callLogDelaySeconds(): number {
  return Number(process.env.BENCH_CALL_LOG_DELAY_SECONDS ?? 300);
}
