import { Agent, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { harnessNice, lowerThread } from './harnessPriority';

/** What bench/bigStoreBench.ts's API readers read, and as whom. */
export interface ReaderSpec {
  url: string;
  apiKey: string;
  /** The number with a thousand misses this week (`GET /v1/calls?number=`). */
  hotNumber: string;
  /** Readers reading back to back, each on its own connection. */
  readers: number;
}

/** Each request kind's latencies (ms), in the order first seen. */
export type ReaderLatencies = Array<[string, number[]]>;

/**
 * The API readers of the bigstore bench in a worker thread of their own. In the bridge's
 * thread, their `fetch` and `response.json()` of every page (100 feed items) ran on the
 * bridge's event loop and were ~3 % of the samples inside its stalls (BENCHMARKS.md, "Issue
 * 16 item 3, fifth round"): work a real bridge, whose clients are elsewhere, does not have.
 * The worker starts before the measured window, its own code warmed up (`warmUp`), and reads
 * from `run` on.
 */
export class ApiReaders {
  private constructor(private readonly worker: Worker) {}

  static async start(spec: ReaderSpec): Promise<ApiReaders> {
    const worker = new Worker(__filename, { workerData: { bigStoreReaders: spec } });
    // A bench that fails before `run` ends without waiting for it.
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message: { error?: string } | string) =>
        typeof message === 'object' && message.error !== undefined
          ? reject(new Error(message.error))
          : resolve(),
      );
      worker.once('error', reject);
    });
    return new ApiReaders(worker);
  }

  /** Read for `seconds`; the latencies once every reader is done. */
  async run(seconds: number): Promise<ReaderLatencies> {
    const answer = new Promise<{ latencies?: ReaderLatencies; error?: string }>(
      (resolve, reject) => {
        this.worker.once('message', resolve);
        this.worker.once('error', reject);
      },
    );
    this.worker.postMessage({ seconds });
    const { latencies, error } = await answer;
    await this.worker.terminate();
    if (error !== undefined) throw new Error(error);
    return latencies!;
  }
}

/**
 * The busy location's API read back to back: the event feed (first page, deep pages, a filter
 * that matches nothing), the calls list, a number's calls.
 */
async function readApi(spec: ReaderSpec, seconds: number): Promise<ReaderLatencies> {
  const until = performance.now() + seconds * 1000;
  const latencies = new Map<string, number[]>();
  const client = new ApiClient(spec.url, spec.apiKey);
  const get = async (name: string, path: string) => {
    const t = performance.now();
    const body = await client.get(path);
    if (!latencies.has(name)) latencies.set(name, []);
    latencies.get(name)!.push(performance.now() - t);
    return body;
  };
  const hot = encodeURIComponent(spec.hotNumber);
  const reader = async () => {
    let cursor: string | null = null;
    while (performance.now() < until) {
      await get('GET /v1/events?limit=100', '/v1/events?limit=100');
      const page = await get(
        'GET /v1/events?limit=100&cursor= (paging back)',
        `/v1/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      cursor = nextCursorOf(page);
      await get(
        'GET /v1/events?event=call.missed&limit=25',
        '/v1/events?event=call.missed&limit=25',
      );
      await get('GET /v1/events?source_list=nomatch', '/v1/events?limit=100&source_list=nomatch');
      await get('GET /v1/calls?limit=100', '/v1/calls?limit=100');
      await get('GET /v1/calls?outcome=missed', '/v1/calls?limit=25&outcome=missed');
      await get('GET /v1/calls?number= (1,000+ misses)', `/v1/calls?limit=25&number=${hot}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.readers }, () => reader()));
  } finally {
    client.close();
  }
  return [...latencies];
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
  parentPort!.once('message', ({ seconds }: { seconds: number }) => {
    readApi(spec, seconds).then(
      (latencies) => parentPort!.postMessage({ latencies }),
      (error: Error) => parentPort!.postMessage({ error: error.stack ?? String(error) }),
    );
  });
  void warmUp().then(
    () => parentPort!.postMessage('ready'),
    (error: Error) => parentPort!.postMessage({ error: error.stack ?? String(error) }),
  );
}
