import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  startSimulator,
  warmRowJson,
  type Simulator,
  type SimulatorOptions,
  type TrafficMix,
} from '../sim';
import type { Row } from '../sim/odata/rowValues';
import { profileWindow } from './cpuProfile';
import { startBenchReceiver, type BenchReceiver } from './benchReceiver';
import type { ReceiverTls } from './benchTls';
import { runJournalLoad, type JournalLoadSpec } from './journalLoad';
import { pinToCpu } from './harnessAffinity';
import { lowerThisProcess } from './harnessPriority';

/**
 * The far side of a benchmark, in a child process of its own: the simulated PBXs (3CX) and
 * the webhook receiver (Zapier). In production neither shares a CPU with the bridge; here they
 * at least do not share its event loop, and `process.cpuUsage()` in the parent is the bridge's.
 *
 * The parent drives it over IPC (bench/simHostClient.ts): one request, one answer.
 */
export interface SimSpec {
  seed: number;
  /** API clients (System Owner). Default one `bridge` / `bridge-secret`. */
  clients?: Array<{
    clientId: string;
    clientSecret: string;
    /** Call Control access and the DNs it monitors (docs/3cx-facts.md §2). */
    callControl?: { monitor: string[] } | null;
  }>;
  /** Legs reach the call log this long after they end (docs/3cx-facts.md §6). Default 0. */
  callLogDelaySeconds?: number;
  /**
   * At most this many rows per report page, whatever `$top` asks, as some PBXs serve them
   * (docs/3cx-facts.md §1.3; sim/startSimulator.ts `reportQuirks`). Default no cap.
   */
  maxPageRows?: number;
  /** `realtime` starts at the child's `Date.now()`, so sim time is wall time. */
  clock: { mode: 'realtime' } | { mode: 'manual'; at: number };
}

export interface TrafficSpec {
  callsPerMinute: number;
  mix?: Partial<TrafficMix>;
  maxCalls?: number;
  /**
   * Realtime sims: start the traffic this long in the past, so the PBX already has a call log
   * and long calls in progress (a steady state) when the bridge first looks.
   */
  backfillMs?: number;
}

/** A placed call, reduced to what the benchmarks compare against (the sim's ground truth). */
export interface CallTruth {
  sim: number;
  callKey: string;
  /** The PBX call number (`CallId`, the Call Control `callid`). */
  callId: number;
  /** When the first extension rang (null: none did). */
  firstRingAt: number | null;
  voicemail: boolean;
  /** The script's kind (queue, direct, ringGroup, ivr, …). */
  kind: string;
  startedAt: number;
  endedAt: number;
  direction: string;
  outcome: string;
}

/** One webhook the receiver got. */
export interface Arrival {
  at: number;
  path: string;
  eventId: string;
  event: string;
  callId: string;
  locationId: string;
}

export interface HostUsage {
  cpuMicros: number;
  rss: number;
  wallMs: number;
}

export type HostRequest =
  | {
      method: 'start';
      sims: SimSpec[];
      offset?: number;
      receiverTls?: ReceiverTls | null;
      /** Every thread of the host at this nice value (bench/harnessPriority.ts); default 0. */
      nice?: number;
      /** Every thread of the host on this CPU (bench/harnessAffinity.ts); default free. */
      cpu?: number | null;
    }
  | { method: 'traffic'; spec: TrafficSpec | null }
  | { method: 'setClock'; at: number }
  | { method: 'calls' }
  | { method: 'clock' }
  | { method: 'arrivals'; from: number }
  | { method: 'arrivalCount' }
  | { method: 'pinThread'; tid: number; cpu: number | null }
  | { method: 'receiverConnections' }
  | { method: 'usage' }
  | { method: 'profile'; file: string | null }
  | { method: 'journalLoad'; spec: JournalLoadSpec }
  | { method: 'blackHoles'; count: number }
  | { method: 'close' };

export interface HostStarted {
  urls: string[];
  /** The receiver's first port (every benchmark that needs one target). */
  receiverUrl: string;
  /** All its ports: each a target (origin) of its own. */
  receiverUrls: string[];
  /** Its threads were kept on the CPU asked (bench/harnessAffinity.ts). */
  pinned: boolean;
}

const sims: Simulator[] = [];
/** Index of this host's first simulator among all hosts' (bench/simHostClient.ts `processes`). */
let offset = 0;
const blackHoles: Server[] = [];
const heldSockets = new Set<Socket>();

/**
 * A webhook target that never answers: it accepts the connection, reads the request and
 * holds it (a hung server, a firewall that drops). Returns its URL.
 */
async function startBlackHole(): Promise<string> {
  const server = createServer((socket) => {
    heldSockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => heldSockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  blackHoles.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}
/** A simulated PBX as the spec describes it (a realtime clock starts at this process's now). */
export function simulatorOptions(spec: SimSpec): SimulatorOptions {
  return {
    seed: spec.seed,
    callLogDelaySeconds: spec.callLogDelaySeconds,
    ...(spec.maxPageRows === undefined ? {} : { reportQuirks: { maxPageRows: spec.maxPageRows } }),
    clients: (spec.clients ?? [{ clientId: 'bridge', clientSecret: 'bridge-secret' }]).map((c) => ({
      ...c,
      role: 'system_owner',
    })),
    clock:
      spec.clock.mode === 'realtime'
        ? { mode: 'realtime', start: Date.now() }
        : { mode: 'manual', start: spec.clock.at },
  };
}

/**
 * The back-filled call log serialised now, before the bridge's first poll: every leg's row
 * (fixed once planned) and the inbound report's row of every call whose legs are all logged
 * (fixed from then on), in the wire form `collectionJson` then serves (sim/odata/collectionJson.ts).
 * A bridge that starts reads each location's recent history at once, and serialising ~20
 * PBXs' history in those seconds was a fifth of the simulator host's CPU in the window's first
 * 4 s, on the two cores the bridge has (BENCHMARKS.md "stall10"): a real PBX does it on its own
 * machine. The bytes served are the same (test/bench/simHostAnswers.test.ts); rows built per
 * request (`$select`ed fields, calls still in progress, the abandoned and active calls) are
 * serialised when asked, as before. Every bench that back-fills its PBXs gets this.
 */
export function warmAnswers(sim: Simulator): void {
  const calls = sim.pbx.calls();
  warmRowJson(calls.flatMap((call) => call.legs.map((leg) => leg.row as unknown as Row)));
  warmRowJson(sim.pbx.inboundCalls(0, sim.clock.now(), []) as unknown as Row[]);
}

let receiver: BenchReceiver | null = null;
let stopProfile: (() => Promise<void>) | null = null;

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.method) {
    case 'start': {
      // `nice` (bigstore's BENCH_HARNESS_NICE): another machine's work below the bridge's priority.
      lowerThisProcess(request.nice ?? 0);
      // `cpu` (bigstore's BENCH_HARNESS_CPU): other machines' work kept off one of the bridge's
      // cores; pinned before the servers start, so every thread the host starts stays there.
      const pinned = pinToCpu(process.pid, request.cpu ?? null, true);
      offset = request.offset ?? 0;
      receiver = await startBenchReceiver(3, request.receiverTls ?? null);
      for (const spec of request.sims) {
        sims.push(await startSimulator(simulatorOptions(spec)));
      }
      const started: HostStarted = {
        urls: sims.map((s) => s.url),
        receiverUrl: receiver.urls[0],
        receiverUrls: receiver.urls,
        pinned,
      };
      return started;
    }
    case 'pinThread':
      // Another process's thread (the bench's API readers) kept on `cpu`, from here: `taskset`
      // forked from the bench's own process would leave every page of its large heap
      // write-protected until next written (copy-on-write), and its `start()` took twice as
      // long after it (BENCHMARKS.md "pin21").
      return pinToCpu(request.tid, request.cpu);
    case 'traffic':
      sims.forEach((sim, i) => {
        const spec = request.spec;
        if (spec === null) {
          sim.pbx.stopTraffic();
          return;
        }
        const { backfillMs, ...traffic } = spec;
        if (backfillMs) sim.clock.set(sim.clock.now() - backfillMs);
        sim.pbx.startTraffic({ ...traffic, seed: 1000 + offset + i });
        if (backfillMs) sim.clock.advance(backfillMs / 1000); // back to the present
        sim.pbx.calls(); // places the backfilled calls now, not inside the bridge's first poll
        if (backfillMs) warmAnswers(sim);
      });
      return null;
    case 'setClock':
      for (const sim of sims) {
        sim.clock.set(request.at);
        sim.pbx.calls(); // place the traffic due by now here, not inside a measured request
      }
      return null;
    case 'calls': {
      const truth: CallTruth[] = [];
      sims.forEach((sim, i) => {
        for (const call of sim.pbx.calls()) {
          const rings = call.legs.filter((l) => l.destinationKind === 'extension');
          truth.push({
            sim: offset + i,
            callKey: call.callHistoryId ?? String(call.callId),
            callId: call.callId,
            firstRingAt: rings.length > 0 ? Math.min(...rings.map((l) => l.startedAt)) : null,
            voicemail: call.expected.voicemail,
            kind:
              call.kind === 'ivr' && call.script.kind === 'ivr' && call.script.then
                ? `ivr→${call.script.then.kind}`
                : call.kind,
            startedAt: call.startedAt,
            endedAt: call.endedAt,
            direction: call.expected.direction,
            outcome: call.expected.outcome,
          });
        }
      });
      return truth;
    }
    case 'clock': {
      // Sim time against this process's wall clock: the parent checks the two agree.
      return { sim: sims[0]?.clock.now() ?? null, wall: Date.now() };
    }
    case 'arrivals':
      return receiver ? receiver.arrivals(request.from) : [];
    case 'arrivalCount':
      return receiver ? receiver.count() : 0;
    case 'receiverConnections':
      return receiver ? receiver.connections() : { connections: 0, resumed: 0 };
    case 'usage': {
      const cpu = process.cpuUsage();
      const usage: HostUsage = {
        cpuMicros: cpu.user + cpu.system,
        rss: process.memoryUsage().rss,
        wallMs: performance.now(),
      };
      return usage;
    }
    case 'profile':
      // A file starts a CPU profile of this process, null writes it (bench/cpuProfile.ts).
      if (request.file !== null) stopProfile = await profileWindow(request.file);
      else {
        await stopProfile?.();
        stopProfile = null;
      }
      return null;
    case 'journalLoad':
      return runJournalLoad(request.spec);
    case 'blackHoles': {
      const urls: string[] = [];
      for (let i = 0; i < request.count; i++) urls.push(await startBlackHole());
      return urls;
    }
    case 'close':
      await Promise.all(sims.map((s) => s.close()));
      await receiver?.close();
      for (const socket of heldSockets) socket.destroy();
      for (const server of blackHoles) server.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

if (require.main === module) {
  process.on('message', (message: { id: number; request: HostRequest }) => {
    handle(message.request).then(
      (result) => process.send?.({ id: message.id, result }),
      (error: unknown) =>
        process.send?.({
          id: message.id,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
