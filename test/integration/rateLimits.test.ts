import { describeBridgeError } from '../../lib/zapier/bridgeErrors';
import type { HttpLimits } from '../../bridge/http/httpLimits';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Rate limits (docs/api.md: 429 `rate_limited` with `Retry-After`; issue 14, item 6): per client
 * address, per API key, and failed authentication per address. Limits are configured small;
 * every window is a minute, far longer than a test, so nothing here depends on timing.
 */

const NO_LIMITS = {
  perKeyPerMinute: 0,
  perTemplateKeyPerMinute: 0,
  perAddressPerMinute: 0,
  failedAuthPerMinute: 0,
};

async function bridgeWith(limits: Partial<HttpLimits>, trustProxy?: string): Promise<TestBridge> {
  return startTestBridge({
    bridge: { limits: { ...NO_LIMITS, ...limits }, ...(trustProxy ? { trustProxy } : {}) },
  });
}

interface Answer {
  status: number;
  body: { error?: string; message?: string };
  retryAfter: string | null;
  text: string;
}

/** A request as `address` (X-Forwarded-For from loopback, a trusted proxy by default). */
async function get(
  t: TestBridge,
  path: string,
  options: { key?: string; address?: string } = {},
): Promise<Answer> {
  const res = await fetch(`${t.url}${path}`, {
    headers: {
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.address ? { 'x-forwarded-for': options.address } : {}),
    },
  });
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text) as Answer['body'],
    retryAfter: res.headers.get('retry-after'),
    text,
  };
}

/** The answer a client that has met a limit gets: 429, the API's error shape, Retry-After. */
function expectRateLimited(answer: Answer, says: RegExp): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual({ error: 'rate_limited', message: expect.stringMatching(says) });
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
}

const WRONG_KEY = `cxb_${'w'.repeat(43)}`;

describe('a flood of wrong keys', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await bridgeWith({ failedAuthPerMinute: 5 });
  });
  afterAll(() => t.close());

  it('meets 429 after the failed-auth limit, while valid keys from that address still work', async () => {
    const attacker = '203.0.113.66';
    for (let i = 0; i < 5; i++)
      expect((await get(t, '/v1/me', { key: WRONG_KEY, address: attacker })).status).toBe(401);
    const flooded = await get(t, '/v1/me', { key: WRONG_KEY, address: attacker });
    expectRateLimited(flooded, /missing or wrong key/);
    // No key at all counts the same, on /3cx too.
    expectRateLimited(await get(t, '/3cx/lookup?number=0412345678', { address: attacker }), /./);

    // A valid key is never locked out by someone else's wrong ones (a shared NAT or proxy).
    expect((await get(t, '/v1/me', { key: t.apiKey, address: attacker })).status).toBe(200);
    // Another address still hears why its key fails.
    const other = await get(t, '/v1/me', { key: WRONG_KEY, address: '198.51.100.20' });
    expect(other.status).toBe(401);
    expect(other.body.error).toBe('unauthorized');

    // The Zapier app reads the bridge's 429 as "throttled", with the bridge's Retry-After.
    expect(
      describeBridgeError({
        status: flooded.status,
        content: flooded.text,
        retryAfter: flooded.retryAfter,
      }),
    ).toMatchObject({
      kind: 'throttled',
      code: 'rate_limited',
      retryAfterSeconds: Number(flooded.retryAfter),
    });
  });
});

describe('one API key', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await bridgeWith({ perKeyPerMinute: 3 });
  });
  afterAll(() => t.close());

  it('is limited across addresses and routes; another key of the location is not', async () => {
    expect((await get(t, '/v1/me', { key: t.apiKey, address: '198.51.100.1' })).status).toBe(200);
    expect((await get(t, '/v1/calls', { key: t.apiKey, address: '198.51.100.2' })).status).toBe(
      200,
    );
    expect(
      (await get(t, '/3cx/lookup?number=0412345678', { key: t.apiKey, address: '198.51.100.3' }))
        .status,
    ).toBe(200);
    expectRateLimited(
      await get(t, '/v1/me', { key: t.apiKey, address: '198.51.100.4' }),
      /this API key: at most 3 a minute/,
    );

    const second = t.bridge.store.apiKeys.create(t.locationId, 'second Zap', new Date()).key;
    expect((await get(t, '/v1/me', { key: second })).status).toBe(200);
  });
});

describe('a 3CX template key', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await bridgeWith({ perKeyPerMinute: 2, perTemplateKeyPerMinute: 5 });
  });
  afterAll(() => t.close());

  it("has the template's own budget, larger than a full key's, and says which variable raises it", async () => {
    // A PBX sends a lookup and a journal entry per call: its key must outlast a full key's limit.
    const template = t.bridge.store.apiKeys.create(t.locationId, '3CX', new Date(), 'template').key;
    for (let i = 0; i < 5; i++)
      expect((await get(t, '/3cx/lookup?number=0412345678', { key: template })).status).toBe(200);
    expectRateLimited(
      await get(t, '/3cx/lookup?number=0412345678', { key: template }),
      /template key: at most 5 a minute.*BRIDGE_RATE_LIMIT_PER_TEMPLATE_KEY/,
    );

    // A full key keeps the smaller limit, on the template's routes too.
    for (let i = 0; i < 2; i++)
      expect((await get(t, '/3cx/lookup?number=0412345678', { key: t.apiKey })).status).toBe(200);
    expectRateLimited(
      await get(t, '/3cx/lookup?number=0412345678', { key: t.apiKey }),
      /this API key: at most 2 a minute/,
    );
  });
});

describe('one client address', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await bridgeWith({ perAddressPerMinute: 4 });
  });
  afterAll(() => t.close());

  it('is limited on every route, with or without a key; other addresses are not', async () => {
    const busy = '192.0.2.10';
    expect((await get(t, '/v1/openapi.json', { address: busy })).status).toBe(200);
    expect((await get(t, '/v1/me', { key: t.apiKey, address: busy })).status).toBe(200);
    expect((await get(t, '/v1/openapi.json', { address: busy })).status).toBe(200);
    expect((await get(t, '/nowhere', { address: busy })).status).toBe(404);
    expectRateLimited(
      await get(t, '/v1/openapi.json', { address: busy }),
      /this address: at most 4/,
    );
    expectRateLimited(await get(t, '/v1/me', { key: t.apiKey, address: busy }), /this address/);

    expect((await get(t, '/v1/openapi.json', { address: '192.0.2.11' })).status).toBe(200);
  });

  it('never limits the health probe: a load balancer sharing a flooded address still sees the bridge up', async () => {
    const flooded = '192.0.2.20';
    for (let i = 0; i < 4; i++) await get(t, '/v1/openapi.json', { address: flooded });
    expectRateLimited(await get(t, '/v1/openapi.json', { address: flooded }), /this address/);
    for (let i = 0; i < 10; i++)
      expect((await get(t, '/healthz', { address: flooded })).status).toBe(200);
  });
});

describe('X-Forwarded-For from a client that is not a trusted proxy', () => {
  let t: TestBridge;
  beforeAll(async () => {
    // Only 10.9.9.9 is a proxy: the test's loopback connections are clients themselves.
    t = await bridgeWith({ perAddressPerMinute: 2 }, '10.9.9.9');
  });
  afterAll(() => t.close());

  it('is ignored: a client cannot escape its limit by naming another address', async () => {
    expect((await get(t, '/v1/openapi.json', { address: '198.51.100.1' })).status).toBe(200);
    expect((await get(t, '/v1/openapi.json', { address: '198.51.100.2' })).status).toBe(200);
    expectRateLimited(
      await get(t, '/v1/openapi.json', { address: '198.51.100.3' }),
      /this address/,
    );
  });
});
