import { memoryLogger } from '../faults/support';
import { api, subscribe } from '../support/bridgeApi';
import { startReceiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/** What a key holder can and cannot make the bridge do with its subscriptions (issue 14). */
let t: TestBridge;

afterEach(async () => {
  await t?.close();
});

describe('subscriptions per location', () => {
  it('are capped: one more is a 409 that says what to do, and removing one makes room', async () => {
    t = await startTestBridge({ bridge: { maxSubscriptionsPerLocation: 3 } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(await subscribe(t, `https://hooks.example.com/${i}`, 'call.missed'));
    const refused = await api(t.url, t.apiKey, 'POST', '/v1/hooks', {
      target_url: 'https://hooks.example.com/3',
      event: 'call.missed',
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe('subscription_limit');
    expect(refused.body.message).toMatch(/already has 3 active subscriptions/);
    expect(refused.body.message).toMatch(/BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION/);

    // Another location has its own allowance.
    const other = await t.addLocation('Second office', 'second');
    await subscribe(t, 'https://hooks.example.com/other', 'call.missed', other.apiKey);

    expect((await api(t.url, t.apiKey, 'DELETE', `/v1/hooks/${ids[0]}`)).status).toBe(204);
    await subscribe(t, 'https://hooks.example.com/3', 'call.missed');
  });
});

describe('private targets through the API', () => {
  it('refuses a hook at a private address with a 400 naming the reason', async () => {
    // (This bridge allows loopback receivers, for the tests; nothing else.)
    t = await startTestBridge();
    for (const target of [
      'https://10.0.0.5/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://0.0.0.0/hook',
      'https://[fd00::1]/hook',
      'https://[::ffff:192.168.0.1]/hook',
    ]) {
      const answer = await api(t.url, t.apiKey, 'POST', '/v1/hooks', {
        target_url: target,
        event: 'call.missed',
      });
      expect(answer.status).toBe(400);
      expect(answer.body.message).toMatch(/^target_url: must be a public address: /);
    }
  });

  it('shows a key holder a coarse error for a failed attempt; the socket error goes to the log only', async () => {
    const log = memoryLogger('info');
    t = await startTestBridge({ bridge: { logger: log.logger } });
    const gone = await startReceiver();
    const url = gone.url;
    await gone.close(); // nothing listens there now: connection refused
    await subscribe(t, url, 'call.missed');
    const sent = await api(t.url, t.apiKey, 'POST', '/v1/test-events', { event: 'call.missed' });
    expect(sent.status).toBe(201);
    await t.bridge.deliverNow();

    const eventId = sent.body.event.id as string;
    const history = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/events/${encodeURIComponent(eventId)}/deliveries`,
    );
    expect(history.body.data[0].attempts[0]).toMatchObject({
      status_code: null,
      error: 'connection failed',
    });
    expect(history.text).not.toMatch(/ECONN|127\.0\.0\.1|connect /);
    const line = log.lines().find((l) => l.msg === 'delivery' && l.event === eventId);
    expect(line).toMatchObject({ error: 'connection failed', outcome: 'retry' });
    expect(String(line?.detail)).toContain('ECONNREFUSED');
  });
});
