import { Agent, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { thisThreadId } from './harnessAffinity';
import { harnessNice, lowerThread } from './harnessPriority';

/** What bench/bigStoreBench.ts's API readers read, and as whom. */
export interface ReaderSpec {
  url: string;
  apiKey: string;
  /** The number with a thousand misses this week (`GET /v1/calls?number=`). */
  hotNumber: string;
  /** Back to back (`rate` 0): this many readers, each on its own connection. */
  readers: number;
  /**
   * Requests a second over all kinds, scheduled (`pacedReads`, at most `PACED_MAX_IN_FLIGHT`
   * in flight); 0: back to back.
   */
  rate: number;
}

/** Each request kind's latencies (ms), in the order first seen. */
export type ReaderLatencies = Array<[string, number[]]>;

/** What the readers did in the window. */
export interface ReaderOutcome {
  latencies: ReaderLatencies;
  /** Paced readers' keeping to their schedule (`pacedReads`); none back to back. */
  pace: PaceOutcome | null;
}

/**
 * The API readers of the bigstore bench in a worker thread of their own. In the bridge's
 * thread, their `fetch` and `response.json()` of every page (100 feed items) ran on the
 * bridge's event loop and were ~3 % of the samples inside its stalls (BENCHMARKS.md, "Issue
 * 16 item 3, fifth round"): work a real bridge, whose clients are elsewhere, does not have.
 * The worker starts before the measured window, its own code warmed up (`warmUp`), and reads
 * from `run` on.
 */
export class ApiReaders {
  private constructor(
    private readonly worker: Worker,
    /**
     * The readers' thread's id (Linux; null elsewhere): bigstore keeps it on the harness's CPU
     * (bench/harnessAffinity.ts) from the simulator host's process.
     */
    readonly threadId: number | null,
  ) {}

  static async start(spec: ReaderSpec): Promise<ApiReaders> {
    const worker = new Worker(__filename, { workerData: { bigStoreReaders: spec } });
    // A bench that fails before `run` ends without waiting for it.
    worker.unref();
    const ready = await new Promise<{ threadId: number | null }>((resolve, reject) => {
      worker.once('message', (message: { error?: string; threadId?: number | null }) =>
        message.error !== undefined
          ? reject(new Error(message.error))
          : resolve({ threadId: message.threadId ?? null }),
      );
      worker.once('error', reject);
    });
    return new ApiReaders(worker, ready.threadId);
  }

  /** Read for `seconds`; what they did once every request sent is answered. */
  async run(seconds: number): Promise<ReaderOutcome> {
    const answer = new Promise<{ outcome?: ReaderOutcome; error?: string }>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
    });
    this.worker.postMessage({ seconds });
    const { outcome, error } = await answer;
    await this.worker.terminate();
    if (error !== undefined) throw new Error(error);
    return outcome!;
  }
}

/**
 * The readers' seven request kinds, in the order each reader (back to back) or the schedule
 * (paced) sends them: the event feed (first page, deep pages, a filter that matches nothing),
 * the calls list, a number's calls. The deep pages follow `cursor`, the last deep page's
 * `next_cursor` (none: the newest page again).
 */
const READS: ReadonlyArray<{ kind: string; path(hot: string, cursor: string | null): string }> = [
  { kind: 'GET /v1/events?limit=100', path: () => '/v1/events?limit=100' },
  {
    kind: 'GET /v1/events?limit=100&cursor= (paging back)',
    path: (_, cursor) =>
      `/v1/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  },
  {
    kind: 'GET /v1/events?event=call.missed&limit=25',
    path: () => '/v1/events?event=call.missed&limit=25',
  },
  {
    kind: 'GET /v1/events?source_list=nomatch',
    path: () => '/v1/events?limit=100&source_list=nomatch',
  },
  { kind: 'GET /v1/calls?limit=100', path: () => '/v1/calls?limit=100' },
  { kind: 'GET /v1/calls?outcome=missed', path: () => '/v1/calls?limit=25&outcome=missed' },
  {
    kind: 'GET /v1/calls?number= (1,000+ misses)',
    path: (hot) => `/v1/calls?limit=25&number=${encodeURIComponent(hot)}`,
  },
];

/** The request kinds' names, in the order sent: the readers' latency table's rows. */
export const READ_KINDS = READS.map((read) => read.kind);

/** Each kind's latencies (ms), none yet, in the order sent (`ReaderLatencies`' rows). */
function noLatencies(): Map<string, number[]> {
  return new Map(READ_KINDS.map((name) => [name, []]));
}

/** The kind that pages back through the feed (`READS`). */
const PAGING_BACK = 1;

/** One line of reading: each kind's path, the deep pages following this line's own cursor. */
class ReadingLine {
  private cursor: string | null = null;

  constructor(private readonly hotNumber: string) {}

  path(kind: number): string {
    return READS[kind].path(this.hotNumber, this.cursor);
  }

  answered(kind: number, body: Buffer): void {
    if (kind === PAGING_BACK) this.cursor = nextCursorOf(body);
  }
}

/** The readers' time: `performance.now()` and timers, or a test's own. */
export interface ReaderClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: ReaderClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** `GET path`'s body (`ApiClient.get`). */
export type Read = (path: string) => Promise<Buffer>;

/**
 * Closed loop: `readers` readers each send the seven kinds in turn, the next request once the
 * last is answered, until `seconds` have passed (a round begun is finished); each reader pages
 * back on a line of its own. Latency from sending to the body's end. How much they read is
 * whatever the bridge's loop and the shared cores let through (BENCHMARKS.md "prio17": 2,945–5,060
 * requests of each kind in 60 s between runs of one build), which `pacedReads` fixes.
 */
export async function backToBackReads(
  readers: number,
  seconds: number,
  hotNumber: string,
  read: Read,
  clock: ReaderClock = realClock,
): Promise<ReaderOutcome> {
  const until = clock.now() + seconds * 1000;
  const latencies = noLatencies();
  const reader = async () => {
    const line = new ReadingLine(hotNumber);
    while (clock.now() < until) {
      for (let kind = 0; kind < READ_KINDS.length; kind++) {
        const t = clock.now();
        const body = await read(line.path(kind));
        latencies.get(READ_KINDS[kind])!.push(clock.now() - t);
        line.answered(kind, body);
      }
    }
  };
  await Promise.all(Array.from({ length: readers }, () => reader()));
  return { latencies: [...latencies], pace: null };
}

/** How paced readers kept to their schedule. */
export interface PaceOutcome {
  /** Requests a second asked for. */
  rate: number;
  /** Requests sent a second of the window. */
  achievedRate: number;
  /** Slots of the window's schedule. */
  scheduled: number;
  sent: number;
  /** Slots sent `LATE_MS` or more after their due time (every connection busy, or the readers' own thread held). */
  late: number;
  /** Slots that found all `maxInFlight` connections waiting on the bridge when due. */
  waitedForConnection: number;
  /** Slots never sent: still waiting for a free connection when the window ended. */
  skipped: number;
  /** The most requests in flight at once. */
  maxInFlight: number;
}

/**
 * Open loop at `rate` requests a second: slot i is due at `i / rate` s into the window, of kind
 * i mod 7 (the seven kinds in turn, as a reader sends them), and is sent then, whatever the
 * earlier slots' answers, on any free one of at most `maxInFlight` keep-alive connections; with
 * all of them waiting on the bridge it waits for one (late). Latency runs from the slot's due
 * time, not its sending, so a late slot's wait counts against the bridge (no coordinated
 * omission: a stalled server does not get to postpone its own measurements, wrk2's rule). The
 * bridge's work is then the same in every run that keeps up (achieved = asked), whatever frees or
 * takes its cores: the prio17 knob judged on equal work (BENCHMARKS.md "paced19").
 *
 * The deep pages follow one line's cursors: the newest one answered when a deep page is due.
 */
export async function pacedReads(
  pace: { rate: number; seconds: number; maxInFlight: number },
  hotNumber: string,
  read: Read,
  clock: ReaderClock = realClock,
): Promise<ReaderOutcome> {
  const interval = 1000 / pace.rate;
  const start = clock.now();
  const end = start + pace.seconds * 1000;
  const scheduled = Math.floor(pace.seconds * pace.rate);
  const latencies = noLatencies();
  const line = new ReadingLine(hotNumber);
  const answers: Array<Promise<void>> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let late = 0;
  let waited = 0;
  let failed: unknown = null;
  let freed: (() => void) | null = null;
  let slot = 0;
  while (slot < scheduled && failed === null) {
    const due = start + slot * interval;
    const now = clock.now();
    if (now >= end) break;
    if (due > now) {
      await clock.sleep(due - now);
      continue;
    }
    if (inFlight >= pace.maxInFlight) {
      // Due, and every connection waiting on the bridge: sent once one is answered, unless the
      // window has ended by then (this slot and the rest skipped).
      waited++;
      await new Promise<void>((resolve) => (freed = resolve));
      freed = null;
      continue;
    }
    const kind = slot % READ_KINDS.length;
    if (now - due >= LATE_MS) late++;
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    answers.push(
      read(line.path(kind))
        .then(
          (body) => {
            latencies.get(READ_KINDS[kind])!.push(clock.now() - due);
            line.answered(kind, body);
          },
          (error: unknown) => {
            failed ??= error;
          },
        )
        .finally(() => {
          inFlight--;
          freed?.();
        }),
    );
    slot++;
  }
  await Promise.all(answers);
  if (failed !== null) throw failed;
  return {
    latencies: [...latencies],
    pace: {
      rate: pace.rate,
      achievedRate: slot / pace.seconds,
      scheduled,
      sent: slot,
      late,
      waitedForConnection: waited,
      skipped: scheduled - slot,
      maxInFlight: mostInFlight,
    },
  };
}

/**
 * `BENCH_BIGSTORE_READ_RATE`: the API readers' requests a second over all kinds, paced
 * (`pacedReads`); unset or `0`: back to back on two connections, the default.
 *
 * Back to back stays the default (BENCHMARKS.md "paced19"): base's readers got ~600 requests a
 * second through back to back, and paced at 300–600 the readers fell behind in the start window
 * (seconds 0–12, the polls' catch-ups), up to 8 pages then waited in the bridge's page line
 * (bridge/workTurns.ts) and its slices held the loop: at 300, second 0 at 36–109 ms against
 * 31–35 back to back and a second over 50 ms in 7 of 10 runs, a measure of the readers' queue
 * more than of the bridge's own stalls; at a rate the start window keeps up with, the bridge
 * would serve half of the requests or less.
 */
export function bigStoreReadRate(env: NodeJS.ProcessEnv = process.env): number {
  const rate = Number(env.BENCH_BIGSTORE_READ_RATE ?? 0);
  return Number.isFinite(rate) && rate > 0 ? rate : 0;
}

/**
 * Paced readers' connections: at ~5 ms an answer, 300–600 requests a second keep 2–3 in
 * flight; behind their schedule, more wait on the bridge at once, at most 8 (the slots after
 * wait for a connection and count as late from their due time).
 */
export const PACED_MAX_IN_FLIGHT = 8;

/** A slot sent this long (ms) after its due time is late: a fifth of issue 16's 50 ms bound. */
export const LATE_MS = 10;

/** The worker's reading for `seconds`: paced at `spec.rate`, else back to back. */
async function readApi(spec: ReaderSpec, seconds: number): Promise<ReaderOutcome> {
  const client = new ApiClient(spec.url, spec.apiKey);
  const read = (path: string) => client.get(path);
  try {
    return spec.rate > 0
      ? await pacedReads(
          { rate: spec.rate, seconds, maxInFlight: PACED_MAX_IN_FLIGHT },
          spec.hotNumber,
          read,
        )
      : await backToBackReads(spec.readers, seconds, spec.hotNumber, read);
  } finally {
    client.close();
  }
}

/**
 * The readers' HTTP client: each request the bytes `fetch` sends (the same request line and
 * headers, in the same order: `requestHeaders`), over keep-alive connections as `fetch`'s pool
 * keeps them, answered when its body has ended, and the body kept as bytes, never parsed.
 * `fetch` and `response.json()` of a page cost the readers' thread ~0.7 ms of CPU where this
 * costs ~0.2 (a 76 KB feed page over loopback, BENCHMARKS.md "stall10"), in the bridge's own
 * process on its two cores: a real bridge's API clients parse its pages on their own machines.
 */
export class ApiClient {
  private readonly agent = new Agent({ keepAlive: true });
  private readonly headers: string[];

  /** `url`: the API's base, to which each path is appended (as the readers' `fetch` did). */
  constructor(
    private readonly url: string,
    apiKey: string,
  ) {
    this.headers = requestHeaders(new URL(url).host, apiKey);
  }

  /** The body of `GET path`; an error unless the status is 200. */
  get(path: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      get(`${this.url}${path}`, { agent: this.agent, headers: this.headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          if (response.statusCode !== 200)
            reject(new Error(`${path}: HTTP ${response.statusCode}`));
          else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
        });
      }).on('error', reject);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * The request headers Node's `fetch` (undici) sends for a `GET` with an `authorization` header,
 * in its order and spelling, so the bridge parses what it parsed when the readers used `fetch`
 * (test/bench/bigStoreReaders.test.ts compares the two on the wire). Raw pairs: Node then adds
 * neither `Host` nor `Connection` of its own.
 */
export function requestHeaders(host: string, apiKey: string): string[] {
  return [
    'host',
    host,
    'connection',
    'keep-alive',
    'authorization',
    `Bearer ${apiKey}`,
    'accept',
    '*/*',
    'accept-language',
    '*',
    'sec-fetch-mode',
    'cors',
    'user-agent',
    'node',
    'accept-encoding',
    'gzip, deflate',
  ];
}

/** The feed page's cursor member as it is written, up to its value. */
const NEXT_CURSOR_KEY = '"next_cursor":';

/**
 * `next_cursor` of a feed page without parsing its hundred items: the feed writes it as the
 * page's last member (bridge/http/routes/eventRoutes.ts), and a `"` inside a JSON string is
 * escaped, so the last `"next_cursor":` of the text is that member. Any other shape is parsed
 * whole.
 */
export function nextCursorOf(page: Buffer): string | null {
  const key = page.lastIndexOf(NEXT_CURSOR_KEY);
  const end = page.lastIndexOf('}');
  if (key >= 0 && end > key) {
    try {
      const value: unknown = JSON.parse(
        page.subarray(key + NEXT_CURSOR_KEY.length, end).toString('utf8'),
      );
      if (value === null || typeof value === 'string') return value;
    } catch {
      // not the last member: read the page whole below
    }
  }
  const whole = JSON.parse(page.toString('utf8')) as { next_cursor?: string | null };
  return whole.next_cursor ?? null;
}

/**
 * The readers' own code made warm before the window: `ApiClient.get` and `nextCursorOf` of
 * pages like the feed's, `WARM_UP_REQUESTS` of them, from a server of the worker's own (never the
 * bridge: its code stays as cold as a restarted bridge's). Cold, the readers' first second was
 * interpreted code and compile jobs on V8's threads, which the bridge's process shares: ~0.2
 * core of the bridge's two in the window's first second (BENCHMARKS.md "stall7"), work a real
 * bridge's clients do on their own machines.
 */
async function warmUp(): Promise<void> {
  const item = { id: 'evt_0123456789', type: 'call.missed', data: { call_id: 'x'.repeat(40) } };
  const page = JSON.stringify({ data: Array.from({ length: 100 }, () => item), next_cursor: 'c' });
  const server = createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new ApiClient(
    `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    'warm-up',
  );
  try {
    for (let i = 0; i < WARM_UP_REQUESTS; i++)
      nextCursorOf(await client.get('/v1/events?limit=100'));
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Requests each reader's code has run before the window (`warmUp`). */
const WARM_UP_REQUESTS = 2000;

if (!isMainThread && (workerData as { bigStoreReaders?: ReaderSpec })?.bigStoreReaders) {
  const spec = (workerData as { bigStoreReaders: ReaderSpec }).bigStoreReaders;
  // BENCH_READERS_NICE / BENCH_HARNESS_NICE: the API's clients below the bridge's priority.
  lowerThread(0, harnessNice(process.env, 'READERS'));
  // BENCH_HARNESS_CPU: the bench keeps this thread off one of the bridge's cores by its id.
  const threadId = thisThreadId();
  parentPort!.once('message', ({ seconds }: { seconds: number }) => {
    readApi(spec, seconds).then(
      (outcome) => parentPort!.postMessage({ outcome }),
      (error: Error) => parentPort!.postMessage({ error: error.stack ?? String(error) }),
    );
  });
  void warmUp().then(
    () => parentPort!.postMessage({ threadId }),
    (error: Error) => parentPort!.postMessage({ error: error.stack ?? String(error) }),
  );
}
