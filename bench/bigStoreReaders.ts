import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

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
  const get = async (name: string, path: string) => {
    const t = performance.now();
    const response = await fetch(`${spec.url}${path}`, {
      headers: { authorization: `Bearer ${spec.apiKey}` },
    });
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
    const body = (await response.json()) as { next_cursor?: string | null };
    if (!latencies.has(name)) latencies.set(name, []);
    latencies.get(name)!.push(performance.now() - t);
    return body;
  };
  const hot = encodeURIComponent(spec.hotNumber);
  const reader = async () => {
    let cursor: string | null = null;
    while (performance.now() < until) {
      await get('GET /v1/events?limit=100', '/v1/events?limit=100');
      const page: { next_cursor?: string | null } = await get(
        'GET /v1/events?limit=100&cursor= (paging back)',
        `/v1/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      cursor = page.next_cursor ?? null;
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
  await Promise.all(Array.from({ length: spec.readers }, () => reader()));
  return [...latencies];
}

/**
 * The readers' own code made warm before the window: `fetch` and `response.json()` of pages
 * like the feed's, `WARM_UP_REQUESTS` of them, from a server of the worker's own (never the
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
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/events?limit=100`;
  try {
    for (let i = 0; i < WARM_UP_REQUESTS; i++) {
      const response = await fetch(url, { headers: { authorization: 'Bearer warm-up' } });
      await response.json();
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Requests each reader's code has run before the window (`warmUp`). */
const WARM_UP_REQUESTS = 2000;

if (!isMainThread && (workerData as { bigStoreReaders?: ReaderSpec })?.bigStoreReaders) {
  const spec = (workerData as { bigStoreReaders: ReaderSpec }).bigStoreReaders;
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
