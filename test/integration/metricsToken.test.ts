import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * `/metrics` is labelled with location ids: a bridge that sets BRIDGE_METRICS_TOKEN serves it
 * only to Prometheus with that token (issue 14, item 7). Without the setting it stays open, as
 * load balancers and existing scrapers expect.
 */
async function metrics(t: TestBridge, token?: string) {
  const res = await fetch(`${t.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, text: await res.text() };
}

describe('/metrics with a metrics token', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge({
      bridge: {
        metricsToken: 'prometheus-scrape-token',
        limits: { perKeyPerMinute: 0, perAddressPerMinute: 0, failedAuthPerMinute: 3 },
      },
    });
    await t.tick();
  });
  afterAll(() => t.close());

  it('needs the token; a wrong one is a failed authentication', async () => {
    const open = await metrics(t);
    expect(open.status).toBe(401);
    expect(JSON.parse(open.text)).toEqual({
      error: 'unauthorized',
      message: expect.stringMatching(/BRIDGE_METRICS_TOKEN/),
    });
    expect(open.text).not.toContain(t.locationId);
    expect((await metrics(t, 'guess')).status).toBe(401);
    // A location's API key is not the metrics token either.
    expect((await metrics(t, t.apiKey)).status).toBe(401);

    const scraped = await metrics(t, 'prometheus-scrape-token');
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain(`bridge_polls_total{location="${t.locationId}"`);

    // The fourth wrong attempt from this address meets the failed-auth limit.
    expect((await metrics(t, 'guess-again')).status).toBe(429);
  });
});

describe('/metrics without a metrics token', () => {
  let t: TestBridge;
  beforeAll(async () => {
    t = await startTestBridge();
    await t.tick();
  });
  afterAll(() => t.close());

  it('is open, as before', async () => {
    const open = await metrics(t);
    expect(open.status).toBe(200);
    expect(open.text).toContain('bridge_polls_total');
  });
});
