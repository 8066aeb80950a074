import type { CallEvent } from '../../lib/callEvent';
import { api } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { journal, journaledCallFor } from '../support/template/journalTestKit';
import { TemplateRunner } from '../support/templateRunner';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import type { BridgeService } from '../../bridge/bridgeService';
import type { Location } from '../../bridge/store/locations';
import { createThreecxTransport } from '../../bridge/threecx/threecxTransport';
import { startTwoBridges, type TwoBridges } from './twoBridges';

/**
 * What only the instance holding a location's lease does, and what any instance answers the
 * same, with two instances on one Postgres store (test/cluster/twoBridges.ts: `a` polls the
 * location, `b` does not). The location polls every 5 s with a 10 s grace, so a journal entry
 * is held 10 + 2 × 5 + 30 = 50 s (bridge/journal/holdDeadline.ts).
 */
const HOLD_SECONDS = 50;

let c: TwoBridges;
let receiver: Receiver;
/** Token requests either instance sent to the PBX, in order (their instance: a or b). */
let tokenRequests: string[];
/** An instance a test stopped itself (closed once). */
let stopped: BridgeService | null;
beforeEach(async () => {
  tokenRequests = [];
  stopped = null;
  const counting = (instance: string) => ({
    transportFor: (location: Location): HttpTransport => {
      const transport = createThreecxTransport({
        allowSelfSignedTls: location.settings.allowSelfSignedTls,
      });
      return {
        request(request) {
          if (request.url.endsWith('/connect/token')) tokenRequests.push(instance);
          return transport.request(request);
        },
      };
    },
  });
  c = await startTwoBridges({
    a: counting('a'),
    b: { ...counting('b'), pbxReadAnswerWaitMs: 1000 },
  });
  receiver = await startReceiver();
  await c.a.pollNow(c.locationId);
});
afterEach(async () => {
  await c.close(stopped);
  await receiver.close();
});

/** 3CX's CRM template pointed at one instance (the load balancer chose it). */
const templateAt = (url: string) =>
  TemplateRunner.fromFile(undefined, { parameters: { BridgeUrl: url, ApiKey: c.apiKey } });

/** A queue call nobody answers, ended a second ago. */
function missedCall(caller = '+61412345678') {
  const call = c.sim.pbx.placeCall({
    kind: 'queue',
    result: 'voicemail',
    caller,
    messageSeconds: 20,
  });
  c.sim.clock.set(call.endedAt + 1_000);
  return call;
}

async function failedPolls(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    c.sim.clock.advance(5);
    await c.a.pollNow(c.locationId).catch(() => undefined);
  }
}

const journalStatus = (callId: string) =>
  String(
    c.a.store.db.prepare('SELECT status FROM journal_entries WHERE call_id = ?').get(callId)
      ?.status,
  );

describe('the journal hold, decided on an instance that does not poll the location', () => {
  it('is not held while the polling instance’s poller is failing, and held again once it works', async () => {
    c.sim.faults.inject({ kind: 'http5xx', status: 500 });
    await failedPolls(2);
    const first = await journal(templateAt(c.urlB), journaledCallFor(missedCall()));
    expect(first.response!.body).toMatchObject({ status: 'released', release_at: null });

    c.sim.faults.clear();
    c.sim.clock.advance(5);
    await c.a.pollNow(c.locationId);
    const second = await journal(templateAt(c.urlB), journaledCallFor(missedCall('+61412345679')));
    expect(second.response!.body).toMatchObject({ status: 'held' });
  });

  it('is held while the polling instance’s poller works, though one poll failed', async () => {
    c.sim.faults.inject({ kind: 'http5xx', status: 500 });
    await failedPolls(1);
    c.sim.faults.clear();
    const answer = await journal(templateAt(c.urlB), journaledCallFor(missedCall()));
    expect(answer.response!.body).toMatchObject({ status: 'held' });
  });
});

describe('sweeps run on the lease holder only', () => {
  it('releases a held journal entry, then fires call.unreturned, from the polling instance only', async () => {
    await api(c.urlB, c.apiKey, 'POST', '/v1/hooks', {
      target_url: receiver.url,
      event: 'call.unreturned',
    });
    const answer = await journal(templateAt(c.urlB), journaledCallFor(missedCall()));
    expect(answer.response!.body).toMatchObject({ status: 'held' });
    const callId = (answer.response!.body as { call_id: string }).call_id;

    c.sim.clock.advance(HOLD_SECONDS + 1);
    expect(await c.b.journalSweep()).toBe(0);
    expect(journalStatus(callId)).toBe('held');
    expect(await c.a.journalSweep()).toBe(1);
    expect(journalStatus(callId)).toBe('released');

    // 30 minutes of business hours later (Tuesday 10:30 in Adelaide) nobody has called back.
    c.sim.clock.advance(31 * 60);
    expect(c.b.followUpSweep()).toBe(0);
    expect(c.a.followUpSweep()).toBe(2); // call.unreturned and call.updated
    await c.b.deliverNow();
    expect(receiver.received.map((r) => (r.json as CallEvent).event)).toEqual(['call.unreturned']);
  });

  it('prunes old records from the instance holding the retention lease only', async () => {
    await api(c.urlA, c.apiKey, 'POST', '/v1/hooks', {
      target_url: receiver.url,
      event: 'call.missed',
    });
    c.sim.faults.inject({ kind: 'http5xx', status: 500 });
    await failedPolls(2); // the entry is released at once
    await journal(templateAt(c.urlA), journaledCallFor(missedCall()));
    await c.a.deliverNow();
    expect(receiver.received).toHaveLength(1);
    const delivered = () =>
      Number(
        c.a.store.db
          .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'`)
          .get()!.n,
      );
    expect(delivered()).toBe(1);

    c.sim.clock.advance(100 * 86_400);
    expect(await c.b.pruneOldRecords()).toEqual({});
    expect(delivered()).toBe(1);
    expect((await c.a.pruneOldRecords()).deliveries).toBe(1);
    expect(delivered()).toBe(0);
  });
});

describe('the reconciliation report', () => {
  it('reads 3CX’s own count through an instance that does not poll the location, on the polling instance’s token', async () => {
    missedCall();
    const tokensBefore = tokenRequests.length;
    const viaB = api(c.urlB, c.apiKey, 'GET', '/v1/reports/reconciliation?since=1d');
    // The other instance asked; the polling one answers when woken (NOTIFY, or this call).
    for (;;) {
      const asked = c.a.store.db
        .prepare(`SELECT COUNT(*) AS n FROM pbx_reads WHERE status = 'pending'`)
        .get()!;
      if (Number(asked.n) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    c.a.answerPbxReads();
    const answer = await viaB;
    expect(answer.status).toBe(200);
    const line = (answer.body as { locations: Array<{ pbx: Record<string, unknown> }> })
      .locations[0];
    expect(line.pbx).toMatchObject({ available: true, reason: null, unanswered: 1 });
    const viaA = await api(c.urlA, c.apiKey, 'GET', '/v1/reports/reconciliation?since=1d');
    expect((viaA.body as typeof answer.body).locations[0].pbx).toEqual(line.pbx);
    // 3CX keeps one token per API client (docs/3cx-facts.md §1.2): no instance asked for
    // another, which would have cut the polling instance's off.
    expect(tokenRequests.slice(tokensBefore)).toEqual([]);
    c.sim.clock.advance(5);
    await c.a.pollNow(c.locationId);
    expect(tokenRequests.slice(tokensBefore)).toEqual([]);
  });

  it('says why when no instance polling the location answers', async () => {
    await c.a.stop(); // its lease is given back; nobody has taken it yet
    stopped = c.a;
    const answer = await api(c.urlB, c.apiKey, 'GET', '/v1/reports/reconciliation?since=1d');
    expect(answer.status).toBe(200);
    const pbx = (answer.body as { locations: Array<{ pbx: { reason: string } }> }).locations[0].pbx;
    expect(pbx.reason).toMatch(/did not answer within 1 s .*Ask again shortly/);
  });
});
