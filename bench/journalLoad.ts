import { Agent, request } from 'node:http';
import { urlToHttpOptions } from 'node:url';

/**
 * A load generator for `POST /3cx/journal`, standing in for 3CX's CRM template: each entry is
 * a missed inbound call that has just ended, from a number used once (so neither dedupe nor
 * the dialler cooldown swallows it). Keep-alive connections, as 3CX's HTTP client keeps them.
 *
 * - `closed`: `connections` loops post back to back for `seconds` (the most the bridge takes);
 * - `open`: `ratePerSecond` posts spread evenly for `seconds` (latency at a steady load).
 */
export interface JournalLoadSpec {
  url: string;
  apiKey: string;
  mode: 'closed' | 'open';
  connections: number;
  ratePerSecond?: number;
  seconds: number;
  /** Distinct per run, so numbers never repeat across runs on one bridge. */
  numberBase: number;
  /** Every post from this one number instead (a repeat caller). */
  fixedNumber?: string;
}

export interface JournalPost {
  /** When the POST was sent: the call's hang-up (3CX posts the journal when a call ends). */
  sentAt: number;
  ms: number;
  status: number;
  callId: string;
}

export async function runJournalLoad(spec: JournalLoadSpec): Promise<JournalPost[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const posts: JournalPost[] = [];
  let n = 0;
  const postOne = async () => {
    const i = n++;
    const sentAt = Date.now();
    const t = performance.now();
    const body = JSON.stringify({
      call_type: 'Missed',
      direction: 'Inbound',
      number: spec.fixedNumber ?? `+6141${String(spec.numberBase + i).padStart(7, '0')}`,
      name: 'Bench Caller',
      agent: '101',
      queue: '8001',
      duration_seconds: 25,
      started_at: new Date(sentAt - 25_000).toISOString(),
      ended_at: new Date(sentAt).toISOString(),
    });
    const answer = await post(agent, spec.url, spec.apiKey, body);
    let callId = '';
    try {
      callId = (JSON.parse(answer.body) as { call_id?: string }).call_id ?? '';
    } catch {
      // not JSON: counted by status
    }
    posts.push({ sentAt, ms: performance.now() - t, status: answer.status, callId });
  };
  const until = performance.now() + spec.seconds * 1000;
  if (spec.mode === 'closed') {
    await Promise.all(
      Array.from({ length: spec.connections }, async () => {
        while (performance.now() < until) await postOne();
      }),
    );
  } else {
    const gapMs = 1000 / (spec.ratePerSecond ?? 10);
    const inFlight: Array<Promise<void>> = [];
    const start = performance.now();
    for (let k = 0; ; k++) {
      const at = start + k * gapMs;
      if (at >= until) break;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(postOne());
    }
    await Promise.all(inFlight);
  }
  agent.destroy();
  return posts;
}

function post(
  agent: Agent,
  url: string,
  apiKey: string,
  body: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        ...urlToHttpOptions(new URL(url)),
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(body);
  });
}
