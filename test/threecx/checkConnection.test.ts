import { checkConnection } from '../../lib/threecx/checkConnection';
import { ThreeCxClient } from '../../lib/threecx/client';
import { TransportError, type HttpTransport } from '../../lib/threecx/httpTransport';
import { callLogRoute, legsEvery } from './callLogRoute';
import { CLIENT_ID, CLIENT_SECRET, FakePbx, PBX, fakeTransport, json } from './fakeTransport';

const NOW = Date.UTC(2026, 2, 2, 9);

function client(transport: HttpTransport, clientSecret = CLIENT_SECRET) {
  return new ThreeCxClient({
    pbxUrl: PBX,
    clientId: CLIENT_ID,
    clientSecret,
    transport,
    now: () => NOW,
    sleep: async () => undefined,
  });
}

function healthyPbx(version = '20.0.10.1040') {
  const pbx = new FakePbx();
  pbx.routes.set('/SystemStatus', () =>
    json(200, { Id: 1, Version: version, FQDN: 'pbx.example.com', LicenseActive: true }),
  );
  pbx.routes.set('/ReportCallLogData', callLogRoute(legsEvery(NOW - 600_000, 3, 60)));
  return pbx;
}

describe('checkConnection: the steps of `3cx-bridge check`', () => {
  it('all green on a healthy PBX', async () => {
    const results = await checkConnection(client(healthyPbx().transport), { now: () => NOW });
    expect(results.map((r) => [r.step, r.ok])).toEqual([
      ['reachable', true],
      ['token', true],
      ['version', true],
      ['call_log', true],
    ]);
    expect(results[2].detail).toBe('3CX 20.0.10.1040 (pbx.example.com), XAPI available.');
    expect(results[1].detail).toContain('valid until 2026-03-02T10:00:00.000Z');
    expect(results[3].detail).toContain('calls found in the last hour');
  });

  it('stops at reachable when nothing answers', async () => {
    const transport = fakeTransport(() => {
      throw new TransportError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5001');
    });
    const results = await checkConnection(client(transport));
    expect(results[0]).toMatchObject({ step: 'reachable', ok: false });
    expect(results[0].fix).toMatch(/5001 on-premise, 443 hosted/);
    expect(results.slice(1).every((r) => r.skipped && !r.ok)).toBe(true);
  });

  it('reachable but the credentials are wrong', async () => {
    const results = await checkConnection(client(healthyPbx().transport, 'nope'));
    expect(results.map((r) => [r.step, r.ok])).toEqual([
      ['reachable', true],
      ['token', false],
      ['version', false],
      ['call_log', false],
    ]);
    expect(results[1].fix).toContain('Integrations → API');
    expect(JSON.stringify(results)).not.toContain('nope');
  });

  it('no XAPI: 404 on SystemStatus', async () => {
    const pbx = healthyPbx();
    pbx.routes.delete('/SystemStatus');
    const results = await checkConnection(client(pbx.transport));
    expect(results[2]).toMatchObject({ step: 'version', ok: false });
    expect(results[2].fix).toMatch(/Enterprise licence/);
    expect(results[3].skipped).toBe(true);
  });

  it('System Admin role: the call log step fails with the System Owner fix', async () => {
    const pbx = healthyPbx();
    pbx.routes.set('/ReportCallLogData', () => json(403, { error: { message: 'Forbidden' } }));
    const results = await checkConnection(client(pbx.transport), { now: () => NOW });
    expect(results[3]).toMatchObject({ step: 'call_log', ok: false });
    expect(results[3].detail).toContain('System Owner');
    expect(results[3].fix).toContain('set its role to System Owner');
  });

  it('warns about a PBX older than V20 Update 6', async () => {
    const results = await checkConnection(client(healthyPbx('20.0.4.300').transport));
    expect(results[2].ok).toBe(true);
    expect(results[2].detail).toContain('grouped by CallId');
  });
});
