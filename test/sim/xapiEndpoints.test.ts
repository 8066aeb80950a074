import { startSimulator, type Simulator } from '../../sim';
import { accessToken, inboundCallsPath, xapiGet } from './simHttp';

const DAY_FROM = '2026-03-02T00:00:00Z';
const DAY_TO = '2026-03-03T00:00:00Z';

describe('other XAPI endpoints', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ version: '20.0.8.900', fqdn: 'acme.3cx.com.au' });
  });
  // Tests move the clock by hours: a fresh token each time (they live one hour).
  beforeEach(async () => {
    token = await accessToken(sim.url);
  });
  afterAll(() => sim.close());

  it('GET /SystemStatus is a single entity with the version played', async () => {
    sim.pbx.placeCall({ kind: 'direct', extension: '101', result: 'answered' });
    const res = await xapiGet(sim.url, '/xapi/v1/SystemStatus', token);
    expect(res.status).toBe(200);
    expect(res.json).not.toHaveProperty('value');
    expect(res.json).toEqual(
      expect.objectContaining({
        '@odata.context': expect.stringMatching(/\$metadata#SystemStatus$/),
        Version: '20.0.8.900',
        FQDN: 'acme.3cx.com.au',
        LicenseActive: true,
        ProductCode: expect.any(String),
        ExpirationDate: expect.stringMatching(/Z$/),
        CallsActive: 1,
        Id: expect.any(Number),
      }),
    );
    const selected = await xapiGet(
      sim.url,
      '/xapi/v1/SystemStatus?$select=Version,CallsActive',
      token,
    );
    expect(Object.keys(selected.json).sort()).toEqual(['@odata.context', 'CallsActive', 'Version']);
    sim.clock.advance(3600);
  });

  it('GET /E164Settings describes Australia by default', async () => {
    const res = await xapiGet(sim.url, '/xapi/v1/E164Settings', token);
    expect(res.json).toEqual(
      expect.objectContaining({
        CountryCode: '61',
        CountryName: 'Australia',
        NationalCode: '0',
        InternationalCode: '0011',
        Enabled: true,
      }),
    );
  });

  it('GET /OfficeHours gives the time zone, hours and, with $expand, holidays', async () => {
    const plain = await xapiGet(sim.url, '/xapi/v1/OfficeHours', token);
    expect(plain.json.TimeZoneId).toBe('Australia/Adelaide');
    expect(plain.json.Hours.Type).toBe('SpecificHours');
    expect(plain.json.Hours.Periods).toContainEqual({
      DayOfWeek: 'Monday',
      Start: '08:30:00',
      Stop: '17:00:00',
    });
    expect(plain.json).not.toHaveProperty('OfficeHolidays');
    const expanded = await xapiGet(sim.url, '/xapi/v1/OfficeHours?$expand=OfficeHolidays', token);
    expect(expanded.json.OfficeHolidays).toContainEqual(
      expect.objectContaining({
        Name: 'Christmas Day',
        Day: 25,
        Month: 12,
        IsRecurrent: true,
        TimeOfStartDate: 'PT0S',
      }),
    );
    expect((await xapiGet(sim.url, '/xapi/v1/OfficeHours?$expand=Nope', token)).status).toBe(400);
  });

  it('GET /LastCdrAndChatMessageTimestamp is a one-row collection', async () => {
    const res = await xapiGet(sim.url, '/xapi/v1/LastCdrAndChatMessageTimestamp', token);
    expect(res.json.value).toEqual([{ LastCdrStartedAt: '2026-03-02T09:00:00Z' }]);
  });

  it('GET …/ReportInboundCalls/Pbx.GetInboundCalls lists inbound calls with their DID', async () => {
    sim.clock.set('2026-03-02T11:00:00Z');
    sim.pbx.placeCall({ kind: 'queue', result: 'answered', caller: '+61400000001' });
    sim.pbx.placeCall({
      kind: 'ringGroup',
      result: 'voicemail',
      caller: '+61400000002',
      at: '2026-03-02T11:00:01Z',
    });
    sim.pbx.placeCall({
      kind: 'outbound',
      from: '101',
      result: 'answered',
      at: '2026-03-02T11:00:02Z',
    });
    sim.pbx.placeCall({ kind: 'afterHours', caller: '+61400000003', at: '2026-03-02T11:00:03Z' });
    sim.clock.advance(3600);
    token = await accessToken(sim.url);
    const res = await xapiGet(
      sim.url,
      inboundCallsPath(DAY_FROM, DAY_TO, '$count=true&$orderby=StartTime'),
      token,
    );
    expect(res.status).toBe(200);
    expect(res.json['@odata.context']).toMatch(/#Collection\(Pbx\.InboundCall\)$/);
    expect(res.json['@odata.count']).toBe(4);
    const rows = res.json.value.slice(1);
    expect(
      rows.map((r: Record<string, unknown>) => [
        r.SourceCallerId,
        r.Did,
        r.RuleName,
        r.Status,
        r.DestinationDn,
      ]),
    ).toEqual([
      ['+61400000001', '+61881234501', 'Sales line', 'Answered', '8001'],
      ['+61400000002', '+61881234502', 'Support line', 'Unanswered', '8002'],
      ['+61400000003', '+61881234500', 'Main line', 'Unanswered', '101'],
    ]);
    expect(rows[0]).toEqual(
      expect.objectContaining({
        TrunkName: 'Telstra SIP Connect',
        TrunkNumber: '+61881234500',
        SourceDn: '10000',
        CdrId: expect.any(String),
        CallHistoryId: expect.any(String),
        StartTime: '2026-03-02T11:00:00Z',
        RecordingUrl: expect.stringMatching(/^105\//),
      }),
    );
    const trunkOnly = await xapiGet(
      sim.url,
      `/xapi/v1/ReportInboundCalls/Pbx.GetInboundCalls(periodFrom=${DAY_FROM},periodTo=${DAY_TO},trunkDns='99999',callsType=0)`,
      token,
    );
    expect(trunkOnly.json.value).toEqual([]);
  });

  it('applies the same parameter rules to GetInboundCalls', async () => {
    const base = `/xapi/v1/ReportInboundCalls/Pbx.GetInboundCalls`;
    expect(
      (
        await xapiGet(
          sim.url,
          `${base}(periodFrom=${DAY_FROM},periodTo=${DAY_TO},trunkDns='')`,
          token,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await xapiGet(
          sim.url,
          `${base}(periodFrom=yesterday,periodTo=${DAY_TO},trunkDns='',callsType=0)`,
          token,
        )
      ).status,
    ).toBe(500);
    expect(
      (
        await xapiGet(
          sim.url,
          `${base}(periodFrom=2025-01-01T00:00:00Z,periodTo=${DAY_TO},trunkDns='',callsType=0)`,
          token,
        )
      ).status,
    ).toBe(504);
  });

  it('GET /ActiveCalls supports $top, $skip, $count and $orderby', async () => {
    sim.clock.set('2026-03-02T14:00:00Z');
    for (let i = 0; i < 5; i++) {
      sim.pbx.placeCall({
        kind: 'direct',
        extension: `10${i + 1}`,
        result: 'answered',
        talkSeconds: 300,
        at: Date.parse('2026-03-02T14:00:00Z') + i * 1000,
      });
    }
    sim.clock.advance(30);
    token = await accessToken(sim.url);
    const res = await xapiGet(
      sim.url,
      '/xapi/v1/ActiveCalls?$count=true&$orderby=EstablishedAt desc&$top=2&$skip=1',
      token,
    );
    expect(res.json['@odata.count']).toBe(5);
    expect(res.json.value.map((c: { Callee: string }) => c.Callee)).toEqual(['104', '103']);
    expect(res.json.value[0]).toEqual(
      expect.objectContaining({ Status: 'Talking', ServerNow: '2026-03-02T14:00:30Z' }),
    );
  });
});

describe('roles', () => {
  it('lets a System Admin read ActiveCalls but not the reports, and a plain user nothing', async () => {
    const sim = await startSimulator({
      clients: [
        { clientId: 'admin', clientSecret: 'a', role: 'system_admin' },
        { clientId: 'user', clientSecret: 'u', role: 'user' },
      ],
    });
    try {
      const admin = await accessToken(sim.url, 'admin', 'a');
      expect((await xapiGet(sim.url, '/xapi/v1/ActiveCalls', admin)).status).toBe(200);
      expect((await xapiGet(sim.url, inboundCallsPath(DAY_FROM, DAY_TO), admin)).status).toBe(403);
      const user = await accessToken(sim.url, 'user', 'u');
      expect((await xapiGet(sim.url, '/xapi/v1/ActiveCalls', user)).status).toBe(403);
      // A wrong URL is still a 404, whoever asks.
      expect((await xapiGet(sim.url, '/xapi/v1/Nothing', user)).status).toBe(404);
    } finally {
      await sim.close();
    }
  });
});
