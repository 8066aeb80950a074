import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
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

/** The parent's handle on bench/simHost.ts running in a child process. */
export class SimHost {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  urls: string[] = [];
  receiverUrl = '';
  receiverUrls: string[] = [];

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

  static async start(sims: SimSpec[]): Promise<SimHost> {
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
    const host = new SimHost(child);
    const started = (await host.call({ method: 'start', sims })) as HostStarted;
    host.urls = started.urls;
    host.receiverUrl = started.receiverUrl;
    host.receiverUrls = started.receiverUrls;
    return host;
  }

  traffic(spec: TrafficSpec | null): Promise<unknown> {
    return this.call({ method: 'traffic', spec });
  }

  setClock(at: number): Promise<unknown> {
    return this.call({ method: 'setClock', at });
  }

  calls(): Promise<CallTruth[]> {
    return this.call({ method: 'calls' }) as Promise<CallTruth[]>;
  }

  clock(): Promise<{ sim: number | null; wall: number }> {
    return this.call({ method: 'clock' }) as Promise<{ sim: number | null; wall: number }>;
  }

  arrivals(from = 0): Promise<Arrival[]> {
    return this.call({ method: 'arrivals', from }) as Promise<Arrival[]>;
  }

  arrivalCount(): Promise<number> {
    return this.call({ method: 'arrivalCount' }) as Promise<number>;
  }

  usage(): Promise<HostUsage> {
    return this.call({ method: 'usage' }) as Promise<HostUsage>;
  }

  /** Start `count` servers that accept requests and never answer; their URLs. */
  blackHoles(count: number): Promise<string[]> {
    return this.call({ method: 'blackHoles', count }) as Promise<string[]>;
  }

  /** Post CRM-template journal entries from the child (bench/journalLoad.ts). */
  journalLoad(spec: JournalLoadSpec): Promise<JournalPost[]> {
    return this.call({ method: 'journalLoad', spec }) as Promise<JournalPost[]>;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call({ method: 'close' }).catch(() => undefined);
    await exited;
  }

  private call(request: HostRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }
}
