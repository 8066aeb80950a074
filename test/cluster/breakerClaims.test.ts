import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api } from '../support/bridgeApi';
import { journal, journaledCallFor } from '../support/template/journalTestKit';
import { TemplateRunner } from '../support/templateRunner';
import { startTwoBridges, type TwoBridges } from './twoBridges';

/**
 * Deliveries an instance claimed (Postgres, `FOR UPDATE SKIP LOCKED`) and then dropped unsent
 * because its circuit breaker for the target opened are given back at once: another instance,
 * whose breaker for that target is closed, sends them now rather than when the claims would
 * have run out (60 s, bridge/store/deliveries.ts `CLAIM_MS`). Both instances on one clock that
 * does not move: nothing here waits for a claim to expire.
 */
let c: TwoBridges;
let target: Server;
let targetUrl: string;
/** `down`: every connection is cut without an answer (the worker sees it unreachable). */
let mode: 'down' | 'up' = 'down';
const received: string[] = [];

beforeEach(async () => {
  mode = 'down';
  received.length = 0;
  target = createServer((req, res) => {
    if (mode === 'down') {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push((JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id);
      res.end();
    });
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
  // The first instance trips its breaker at the first unreachable attempt and sends one at a time.
  c = await startTwoBridges({
    a: {
      delivery: {
        retry: { baseMs: 1000, maxMs: 60_000, giveUpAfterMs: 3600_000 },
        timeoutMs: 2000,
        targetHealth: { breakerThreshold: 1, initialLimit: 1 },
      },
    },
  });
});
afterEach(async () => {
  await c.close();
  target.closeAllConnections();
  await new Promise((resolve) => target.close(resolve));
});

it('gives back the claims its open breaker dropped, so the other instance sends them at once', async () => {
  const hook = await api(c.urlA, c.apiKey, 'POST', '/v1/hooks', {
    target_url: targetUrl,
    event: 'call.missed',
  });
  expect(hook.status).toBe(201);
  // The PBX's API is failing, so journal entries are released at once: five misses to deliver.
  c.sim.faults.inject({ kind: 'http5xx', status: 500 });
  for (let i = 0; i < 2; i++) {
    c.sim.clock.advance(5);
    await c.a.pollNow(c.locationId).catch(() => undefined);
  }
  const template = TemplateRunner.fromFile(undefined, {
    parameters: { BridgeUrl: c.urlA, ApiKey: c.apiKey },
  });
  for (let i = 0; i < 5; i++) {
    const call = c.sim.pbx.placeCall({
      kind: 'queue',
      result: 'voicemail',
      caller: `+6141234560${i}`,
      messageSeconds: 20,
    });
    c.sim.clock.set(call.endedAt + 1_000);
    await journal(template, journaledCallFor(call));
  }
  const pending = () =>
    Number(
      c.a.store.db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending'`).get()!
        .n,
    );
  expect(pending()).toBe(5);

  // The first instance claims the lane's due deliveries, its one attempt is cut off, the
  // breaker opens and the four it had not started are dropped from its queue.
  expect(await c.a.deliverNow()).toBe(1);
  expect(received).toEqual([]);

  mode = 'up';
  expect(await c.b.deliverNow()).toBe(4);
  expect(received).toHaveLength(4);
  expect(pending()).toBe(1); // the attempt that failed, due again after its backoff
});
