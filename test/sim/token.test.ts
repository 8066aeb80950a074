import { startSimulator, type Simulator } from '../../sim';
import { callLogPath, fetchToken, xapiGet } from './simHttp';

const SYSTEM_STATUS = '/xapi/v1/SystemStatus';

describe('POST /connect/token', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      clients: [
        { clientId: 'bridge', clientSecret: 'bridge-secret' },
        { clientId: 'zapier', clientSecret: 'zap-secret' },
        { clientId: 'admin', clientSecret: 'admin-secret', role: 'system_admin' },
        { clientId: 'cc-only', clientSecret: 'cc-secret', xapiEnabled: false },
      ],
    });
  });
  afterAll(() => sim.close());

  it('issues a bearer token for a urlencoded form, in the documented shape', async () => {
    const { status, body } = await fetchToken(sim.url);
    expect(status).toBe(200);
    expect(body).toEqual({
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refresh_token: null,
    });
    const ok = await xapiGet(sim.url, SYSTEM_STATUS, body.access_token as string);
    expect(ok.status).toBe(200);
  });

  it('accepts multipart/form-data, as 3CX’s own sample posts FormData', async () => {
    const form = new FormData();
    form.set('client_id', 'bridge');
    form.set('client_secret', 'bridge-secret');
    form.set('grant_type', 'client_credentials');
    const res = await fetch(`${sim.url}/connect/token`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { token_type: string }).token_type).toBe('Bearer');
  });

  it('answers bad credentials with 401 and the documented body', async () => {
    for (const [id, secret] of [
      ['bridge', 'wrong'],
      ['nobody', 'bridge-secret'],
      ['', ''],
    ]) {
      const { status, body } = await fetchToken(sim.url, id, secret);
      expect(status).toBe(401);
      expect(body).toEqual({
        error: 'unauthorized',
        error_description: 'The request requires valid user authentication.',
      });
    }
  });

  it('answers a grant type other than client_credentials with 400', async () => {
    const res = await fetch(`${sim.url}/connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: 'bridge',
        client_secret: 'bridge-secret',
        grant_type: 'password',
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('refuses a JSON body: the token endpoint takes forms only', async () => {
    const res = await fetch(`${sim.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: 'bridge',
        client_secret: 'bridge-secret',
        grant_type: 'client_credentials',
      }),
    });
    expect(res.status).toBe(400);
  });

  it('keeps one active token per client: a new token makes the previous one answer 401', async () => {
    const first = (await fetchToken(sim.url)).body.access_token as string;
    const other = (await fetchToken(sim.url, 'zapier', 'zap-secret')).body.access_token as string;
    expect((await xapiGet(sim.url, SYSTEM_STATUS, first)).status).toBe(200);
    const second = (await fetchToken(sim.url)).body.access_token as string;
    const stale = await xapiGet(sim.url, SYSTEM_STATUS, first);
    expect(stale.status).toBe(401);
    expect(stale.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await xapiGet(sim.url, SYSTEM_STATUS, second)).status).toBe(200);
    // Another client's token is untouched: that is why the bridge and Zapier need separate clients.
    expect((await xapiGet(sim.url, SYSTEM_STATUS, other)).status).toBe(200);
  });

  it('answers 401 without a token or with a made-up one', async () => {
    expect((await xapiGet(sim.url, SYSTEM_STATUS)).status).toBe(401);
    expect((await xapiGet(sim.url, SYSTEM_STATUS, 'not-a-token')).status).toBe(401);
  });

  it('gives a client without XAPI access a token but 403 on the XAPI', async () => {
    const { status, body } = await fetchToken(sim.url, 'cc-only', 'cc-secret');
    expect(status).toBe(200);
    const res = await xapiGet(sim.url, SYSTEM_STATUS, body.access_token as string);
    expect(res.status).toBe(403);
    expect(res.json.error.message).toMatch(/XAPI access/);
  });

  it('lets a System Admin read SystemStatus but not the call log (403)', async () => {
    const token = (await fetchToken(sim.url, 'admin', 'admin-secret')).body.access_token as string;
    expect((await xapiGet(sim.url, SYSTEM_STATUS, token)).status).toBe(200);
    const log = await xapiGet(
      sim.url,
      callLogPath({ periodFrom: '2026-03-02T00:00:00Z', periodTo: '2026-03-03T00:00:00Z' }),
      token,
    );
    expect(log.status).toBe(403);
    expect(log.json).toEqual({
      error: { code: '', message: expect.any(String), details: expect.any(Array) },
    });
  });
});

describe.each([
  ['20.0.10.1040', 3600, 'seconds'],
  ['20.0.9.800', 3600, 'seconds'],
  ['20.0.8.900', 60, 'minutes'],
  ['20.0.4.100', 60, 'minutes'],
])('token lifetime on %s', (version, expiresIn, unit) => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ version });
  });
  afterAll(() => sim.close());

  it(`reports expires_in ${expiresIn} (${unit}) and expires after one hour of sim time`, async () => {
    const { body } = await fetchToken(sim.url);
    expect(body.expires_in).toBe(expiresIn);
    const token = body.access_token as string;
    sim.clock.advance(3599);
    expect((await xapiGet(sim.url, SYSTEM_STATUS, token)).status).toBe(200);
    sim.clock.advance(1);
    const expired = await xapiGet(sim.url, SYSTEM_STATUS, token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/invalid_token/);
    expect((await fetchToken(sim.url)).status).toBe(200);
  });
});
