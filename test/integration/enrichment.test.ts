import type { CallEvent } from '../../lib/callEvent';
import { startReceiver, type Receiver } from '../support/receiver';
import { readJson } from '../support/readJson';
import { runCli } from '../support/runCli';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Workflow context on real events: the bridge and the simulator on loopback, the settings
 * made with the CLI on the bridge's own database.
 */
describe('events carry the workflow context', () => {
  let t: TestBridge;
  let receiver: Receiver;
  beforeEach(async () => {
    // 2026-03-02 is a Monday; 09:00 UTC is 19:30 in Adelaide: after hours.
    t = await startTestBridge({
      sim: { clock: { mode: 'manual', start: '2026-03-02T01:00:00Z' } },
    });
    receiver = await startReceiver();
    const location = t.bridge.store.locations.get(t.locationId)!;
    const cli = (args: string[]) => runCli([...args, '--location', location.id, '--db', t.dbPath]);
    expect(
      (
        await cli([
          'source-list',
          'set',
          '--id',
          'sales',
          '--name',
          'Sales line',
          '--numbers',
          '08 8123 4501',
        ])
      ).code,
    ).toBe(0);
    expect(
      (await cli(['source-list', 'set', '--id', 'general', '--name', 'General', '--default'])).code,
    ).toBe(0);
    expect((await cli(['hours', 'set', '--weekly', 'mon-fri 09:00-17:00'])).code).toBe(0);
    await fetch(`${t.url}/v1/hooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target_url: receiver.url, event: 'call.missed' }),
    });
    await t.tick();
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  async function missAndSettle(script: Record<string, unknown>): Promise<void> {
    const call = t.sim.pbx.placeCall(script);
    while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
  }

  const delivered = () => receiver.received.map((r) => r.json as CallEvent);

  it('maps the dialled number to its source list and knows business hours', async () => {
    // 10:30 in Adelaide (UTC+10:30 in March): in hours, to the sales line.
    await missAndSettle({
      kind: 'queue',
      did: '+61881234501',
      caller: '+61412345678',
      result: 'hangup',
      waitSeconds: 30,
    });
    t.sim.clock.set('2026-03-02T09:00:00Z'); // 19:30 in Adelaide
    await t.tick();
    await missAndSettle({
      kind: 'ringGroup',
      did: '+61881234502',
      caller: '+61733334444',
      result: 'voicemail',
      messageSeconds: 0,
    });
    expect(delivered().map((e) => [e.source_list, e.branch, e.in_business_hours])).toEqual([
      ['sales', 'in_hours', true],
      ['general', 'after_hours', false],
    ]);
  });

  it('counts repeat misses per number however it is written, and folds a quick redial', async () => {
    await missAndSettle({
      kind: 'direct',
      extension: '101',
      caller: '+61412345678',
      result: 'hangup',
    });
    // The same person 2 minutes later, the trunk sending the national format: a dialler redial.
    await missAndSettle({
      kind: 'direct',
      extension: '102',
      caller: '+61412345678',
      callerFormat: 'national',
      result: 'hangup',
    });
    t.sim.clock.advance(3 * 3600);
    await t.tick();
    await missAndSettle({
      kind: 'direct',
      extension: '101',
      caller: '+61412345678',
      result: 'hangup',
    });
    const events = delivered();
    expect(events.map((e) => [e.missed_count_7d, e.is_repeat_miss])).toEqual([
      [1, false],
      [3, true],
    ]);
    expect(events[1].last_missed_at).not.toBeNull();
    // The redial is in the feed, marked suppressed, and counted on the first call's record.
    const feed = await readJson<{ data: Array<{ suppressed?: boolean }> }>(
      fetch(`${t.url}/v1/events?event=call.missed&include_suppressed=true`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
      }),
    );
    expect(feed.data.map((e: { suppressed?: boolean }) => e.suppressed ?? false)).toEqual([
      false,
      true,
      false,
    ]);
    const first = await readJson<{ attempts: number }>(
      fetch(`${t.url}/v1/calls/${encodeURIComponent(events[0].call_id)}`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
      }),
    );
    expect(first.attempts).toBe(2);
  });

  it('recognises a caller the team recorded as a contact', async () => {
    await missAndSettle({
      kind: 'direct',
      extension: '101',
      caller: '+61412345678',
      callerName: '',
      result: 'hangup',
    });
    const [first] = delivered();
    expect(first.known_contact).toBe(false);
    const patched = await fetch(`${t.url}/v1/calls/${encodeURIComponent(first.call_id)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        contact_id: 'crm-42',
        contact_name: 'Jane Citizen',
        contact_url: 'https://crm.example.com/c/42',
        disposition: 'called_back',
      }),
    });
    expect(patched.status).toBe(200);
    t.sim.clock.advance(86_400);
    await t.tick();
    await missAndSettle({
      kind: 'direct',
      extension: '101',
      caller: '0412 345 678',
      callerFormat: 'national',
      result: 'hangup',
    });
    const second = delivered()[1];
    expect(second).toMatchObject({
      known_contact: true,
      contact_id: 'crm-42',
      contact_url: 'https://crm.example.com/c/42',
    });
  });
});
