import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { startSimulator, type Simulator } from '../../sim';
import { locationAddArgs, runCli } from '../support/runCli';

/** `check`, `calls`, `capture` and `settle` against the simulator over loopback. */
describe('3cx-bridge commands that talk to a PBX', () => {
  let sim: Simulator;
  let dir: string;
  const env = () => ({
    THREECX_URL: sim.url,
    THREECX_CLIENT_ID: 'bridge',
    THREECX_CLIENT_SECRET: 'bridge-secret',
  });

  beforeAll(async () => {
    // These commands read "the last 2 hours" of the real clock: the simulated PBX lives now.
    sim = await startSimulator({
      clock: { mode: 'manual', start: Date.now() - 3600_000 },
      clients: [
        { clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' },
        { clientId: 'admin', clientSecret: 'admin-secret', role: 'system_admin' },
        { clientId: 'cc', clientSecret: 'cc-secret', callControl: { monitor: ['101', '102'] } },
        { clientId: 'cc-empty', clientSecret: 'cc-secret', callControl: { monitor: [] } },
      ],
    });
    sim.pbx.placeCall({
      kind: 'queue',
      result: 'voicemail',
      caller: '+61412345678',
      callerName: 'Jane Citizen',
      messageSeconds: 20,
    });
    sim.clock.advance(600);
    sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'answered',
      caller: '+61298765432',
    });
    sim.clock.advance(600);
    dir = mkdtempSync(join(tmpdir(), '3cx-pbx-cli-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('check walks through the connection and passes', async () => {
    const out = await runCli(['check'], env());
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/✓ reachable/);
    expect(out.stdout).toMatch(/✓ token/);
    expect(out.stdout).toMatch(/✓ version\s+.*20\.0\.10/);
    expect(out.stdout).toMatch(/✓ call_log/);
    expect(out.stdout).not.toContain('bridge-secret');
  });

  it('check says whether the client has Call Control, what it monitors and that the stream opens', async () => {
    const none = await runCli(['check'], env());
    expect(none.stdout).toMatch(
      /– callctl\s+No Call Control access: the bridge polls the call log only/,
    );
    expect(none.stdout).toMatch(/tick "3CX Call Control API Access"/);
    // The delay it states is the documented one (README and docs/api.md say the same).
    const documented = /a miss goes out (about [\d–]+ s)\s+after\s+the hang-up/.exec(
      readFileSync(join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8'),
    )?.[1];
    expect(documented).toBeDefined();
    expect(none.stdout).toContain(`a miss goes out ${documented} after the hang-up`);
    const cc = { ...env(), THREECX_CLIENT_ID: 'cc', THREECX_CLIENT_SECRET: 'cc-secret' };
    const withAccess = await runCli(['check'], cc);
    expect(withAccess.code).toBe(0);
    expect(withAccess.stdout).toMatch(
      /✓ callctl\s+Call Control: 2 DNs monitored \(101, 102\); the event stream opened/,
    );
    const empty = await runCli(['check'], { ...cc, THREECX_CLIENT_ID: 'cc-empty' });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(
      /! callctl\s+Call Control access, but the client monitors no extension/,
    );
  });

  it('check says what to fix: a bad secret, and a role that cannot read the call log', async () => {
    const bad = await runCli(['check'], { ...env(), THREECX_CLIENT_SECRET: 'wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ token/);
    expect(bad.stdout).toMatch(/Integrations → API/);
    const admin = await runCli([
      'check',
      '--client-id',
      'admin',
      '--client-secret',
      'admin-secret',
      '--pbx-url',
      sim.url,
    ]);
    expect(admin.code).toBe(1);
    expect(admin.stdout).toMatch(/✗ call_log/);
    expect(admin.stdout).toMatch(/System Owner/);
  });

  it('check reports an unreachable PBX', async () => {
    const out = await runCli([
      'check',
      '--pbx-url',
      'http://127.0.0.1:1',
      '--client-id',
      'x',
      '--client-secret',
      'y',
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/✗ reachable/);
  });

  it('calls shows the recent calls, settled and classified', async () => {
    const table = await runCli(['calls', '--since', '2h'], env());
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/inbound\s+voicemail\s+message\s+\+61412345678/);
    expect(table.stdout).toMatch(/inbound\s+answered\s+\s*\+61298765432/);
    const json = JSON.parse((await runCli(['calls', '--since', '2h', '--json'], env())).stdout);
    expect(json.settled.map((c: { outcome: string }) => c.outcome)).toEqual([
      'voicemail',
      'answered',
    ]);
    // A PBX named by its URL: times in UTC, and the header says so.
    const startedAt: string = json.settled[0].started_at;
    expect(table.stdout).toMatch(/^started \(UTC\)\s+direction/);
    expect(table.stdout).toMatch(
      new RegExp(`\\n${startedAt.slice(0, 10)} ${startedAt.slice(11, 19)} +inbound`),
    );
  });

  it("calls shows a stored location's calls on the office's clock", async () => {
    const db = join(dir, 'calls-zone.db');
    const added = await runCli(locationAddArgs('Adelaide Office', sim.url, 'bridge', db), {
      THREECX_CLIENT_SECRET: 'bridge-secret',
    });
    expect(added.code).toBe(0);
    const args = ['calls', '--location', 'Adelaide Office', '--since', '2h', '--db', db];
    const json = JSON.parse((await runCli([...args, '--json'])).stdout);
    const local = DateTime.fromISO(json.settled[0].started_at, { zone: 'Australia/Adelaide' });
    const table = await runCli(args);
    expect(table.stdout).toMatch(/^started \(Australia\/Adelaide\)\s+direction/);
    expect(table.stdout).toMatch(
      new RegExp(`\\n${local.toFormat('yyyy-MM-dd HH:mm:ss')} +inbound`),
    );
  });

  it('capture saves anonymised rows that settle the same way', async () => {
    const out = join(dir, 'capture.json');
    const saved = await runCli(['capture', '--since', '2h', '--out', out], env());
    expect(saved.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toContain('+61412345678');
    expect(text).not.toContain('Jane Citizen');
    expect(text).not.toContain('+61298765432');
    const capture = JSON.parse(text);
    expect(capture.anonymised).toBe(true);
    expect(capture.pbx_version).toBe('20.0.10.1040');
    // The same caller is the same fake number on every leg of the call.
    const callers = new Set(
      capture.value
        .filter((l: { SourceType: number }) => l.SourceType === 1)
        .map((l: { SourceCallerId: string }) => l.SourceCallerId),
    );
    expect(callers.size).toBe(2);
    const settled = await runCli(['settle', out, '--country', 'AU']);
    expect(settled.code).toBe(0);
    const result = JSON.parse(settled.stdout);
    expect(
      result.settled.map((c: { outcome: string; voicemail_left: boolean }) => [
        c.outcome,
        c.voicemail_left,
      ]),
    ).toEqual([
      ['voicemail', true],
      ['answered', false],
    ]);
  });
});

describe('3cx-bridge settle', () => {
  const fixture = join(__dirname, '..', 'fixtures', 'calls', '07-voicemail-with-message.json');

  it('prints settled calls with the event contract names', async () => {
    const out = await runCli([
      'settle',
      fixture,
      '--now',
      '2026-03-02T10:00:00Z',
      '--country',
      'AU',
    ]);
    expect(out.code).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.pending).toEqual([]);
    expect(result.settled[0]).toMatchObject({
      direction: 'inbound',
      outcome: 'voicemail',
      voicemail_left: true,
      caller_number: '+61412345678',
    });
  });

  it('keeps an active call pending, and one inside the grace period', async () => {
    const legs = JSON.parse(readFileSync(fixture, 'utf8')).legs;
    const active = await runCli([
      'settle',
      fixture,
      '--now',
      '2026-03-02T10:00:00Z',
      '--active',
      String(legs[0].CallId),
    ]);
    expect(JSON.parse(active.stdout)).toEqual({ settled: [], pending: [legs[0].CallHistoryId] });
    const early = await runCli([
      'settle',
      fixture,
      '--now',
      '2026-03-02T09:01:00Z',
      '--grace',
      '10',
    ]);
    expect(JSON.parse(early.stdout).pending).toHaveLength(1);
  });

  it('reads an OData answer from stdin', async () => {
    const legs = JSON.parse(readFileSync(fixture, 'utf8')).legs;
    const out = await runCli(
      ['settle', '-', '--now', '2026-03-02T10:00:00Z'],
      {},
      JSON.stringify({ '@odata.context': 'x', value: legs }),
    );
    expect(JSON.parse(out.stdout).settled).toHaveLength(1);
  });

  it('exits 2 naming the row on bad input', async () => {
    const dir = mkdtempSync(join(tmpdir(), '3cx-settle-'));
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(
        bad,
        JSON.stringify([
          { CallId: 1, StartTime: '2026-03-02T09:00:00Z' },
          { CdrId: 'abc', CallId: 2, StartTime: 'yesterday' },
        ]),
      );
      const out = await runCli(['settle', bad]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain('row 1 (CdrId abc) has a StartTime that is not a date-time');
      writeFileSync(bad, '{"value": [');
      const notJson = await runCli(['settle', bad]);
      expect(notJson.code).toBe(2);
      expect(notJson.stderr).toMatch(/is not valid JSON/);
      expect((await runCli(['settle', join(dir, 'missing.json')])).stderr).toMatch(/no such file/);
      expect((await runCli(['settle', fixture, '--now', 'teatime'])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
