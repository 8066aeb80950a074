import { Agent } from 'node:http';
import { request } from './feedFloodBench';

/** What the feed-flood benchmark asks its child process to do (bench/feedFloodBench.ts). */
export interface FeedFloodRequest {
  port: number;
  key: string;
  path: string;
  clients: number;
  seconds: number;
}

export interface FeedFloodReport {
  /** Milliseconds of each request answered 200. */
  feedTimes: number[];
  throttled: number;
  feedErrors: number;
}

/** `clients` keep-alive connections asking `path` back to back for `seconds`. */
async function run(order: FeedFloodRequest): Promise<FeedFloodReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: order.clients });
  const until = performance.now() + order.seconds * 1000;
  const report: FeedFloodReport = { feedTimes: [], throttled: 0, feedErrors: 0 };
  const client = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const status = await request(order.port, order.path, agent, order.key);
      if (status === 200) report.feedTimes.push(performance.now() - started);
      else if (status === 429) report.throttled++;
      else report.feedErrors++;
    }
  };
  await Promise.all(Array.from({ length: order.clients }, client));
  agent.destroy();
  return report;
}

process.once('message', (order: FeedFloodRequest) => {
  void run(order).then((report) => process.send!(report));
});
