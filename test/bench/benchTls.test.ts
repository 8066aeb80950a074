import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchReceiver, type BenchReceiver } from '../../bench/benchReceiver';
import {
  makeLoopbackCertificate,
  needsRelaunch,
  receiversUseTls,
  receiverTls,
  trustingEnvironment,
} from '../../bench/benchTls';
import { WebhookClient } from '../../bridge/delivery/webhookClient';
import { ensureBuilt } from '../support/builtBridge';
import { runNodeScript } from '../support/nodeScript';

/**
 * The throughput and locations benches post to https receivers, as Zapier and Make are reached,
 * with the bridge's own `WebhookClient` verifying the receivers' certificate: trusted only
 * through `NODE_EXTRA_CA_CERTS` in a process started with it, never by turning checks off.
 */
const ROOT = join(__dirname, '..', '..');
const EVENT = Buffer.from(JSON.stringify({ id: 'evt_tls', event: 'call.missed', call_id: 'c1' }));
const LOOPBACK_ONLY = { allowPrivate: false, allowLoopback: true };

describe('BENCH_TLS and the relaunch', () => {
  it('https unless BENCH_TLS=0', () => {
    expect(receiversUseTls({})).toBe(true);
    expect(receiversUseTls({ BENCH_TLS: '1' })).toBe(true);
    expect(receiversUseTls({ BENCH_TLS: '0' })).toBe(false);
    expect(receiversUseTls({ BENCH_TLS: 'off' })).toBe(false);
  });

  it('starts the bench again only for a bench with https receivers, once', () => {
    expect(needsRelaunch(['throughput'], {})).toBe(true);
    expect(needsRelaunch(['settle', 'locations'], {})).toBe(true);
    expect(needsRelaunch(['settle', 'bigstore'], {})).toBe(false);
    expect(needsRelaunch(['throughput'], { BENCH_TLS: '0' })).toBe(false);
    // The relaunched process itself.
    expect(needsRelaunch(['throughput'], { BENCH_TLS_DIR: '/tmp/x' })).toBe(false);
  });
});

describe('the receivers’ certificate', () => {
  let dir: string;
  let certPath: string;
  let receiver: BenchReceiver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bench-tls-test-'));
    certPath = makeLoopbackCertificate(dir).certPath;
    const tls = receiverTls(trustingEnvironment({}, dir, certPath));
    expect(tls).not.toBeNull();
    receiver = await startBenchReceiver(1, tls);
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is served over https', () => {
    expect(receiver.urls[0]).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/hook$/);
  });

  it('is only handed to the receivers in a process that trusts it, and not with BENCH_TLS=0', () => {
    expect(receiverTls({ BENCH_TLS_DIR: dir })).toBeNull();
    expect(receiverTls({ BENCH_TLS_DIR: dir, NODE_EXTRA_CA_CERTS: '/elsewhere.pem' })).toBeNull();
    expect(receiverTls({ ...trustingEnvironment({}, dir, certPath), BENCH_TLS: '0' })).toBeNull();
    expect(receiverTls(trustingEnvironment({}, dir, certPath))).toEqual({
      key: expect.stringContaining('PRIVATE KEY'),
      cert: expect.stringContaining('BEGIN CERTIFICATE'),
    });
  });

  it('is refused by the bridge’s webhook client in a process that does not trust it', async () => {
    const client = new WebhookClient(LOOPBACK_ONLY);
    try {
      await expect(client.post(new URL(receiver.urls[0]), {}, EVENT, 5000)).rejects.toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
    } finally {
      client.close();
    }
  });

  it('is verified and accepted by the bridge’s webhook client in a process started trusting it', async () => {
    await ensureBuilt();
    const before = receiver.count();
    const answer = await postFromChild(receiver.urls[0], trustingEnvironment({}, dir, certPath));
    expect(answer).toEqual({ status: 200 });
    expect(receiver.arrivals(before)).toEqual([
      expect.objectContaining({ eventId: 'evt_tls', event: 'call.missed' }),
    ]);
  });
});

/** One POST by the built bridge's `WebhookClient` in a child process with `env`. */
function postFromChild(url: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  const script = `
    const { WebhookClient } = require(${JSON.stringify(join(ROOT, 'dist', 'bridge', 'delivery', 'webhookClient.js'))});
    const client = new WebhookClient(${JSON.stringify(LOOPBACK_ONLY)});
    client.post(new URL(process.argv[1]), { 'content-type': 'application/json' }, Buffer.from(${JSON.stringify(EVENT.toString())}), 5000)
      .then((a) => ({ status: a.statusCode }), (e) => ({ error: e.code || e.message }))
      .then((out) => { client.close(); process.stdout.write(JSON.stringify(out)); });`;
  return runNodeScript(script, [url], env);
}
