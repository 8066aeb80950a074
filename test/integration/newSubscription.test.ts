import type { CallEvent } from '../../lib/callEvent';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * A Zap turned on for a location just added: the location's first poll stores the last 15
 * minutes of calls, and the new subscription is not sent them (docs/api.md, `POST /v1/hooks`);
 * it is sent the calls that happen from then on. The history stays in the feed.
 */
describe('a subscription made with a new location', () => {
  let t: TestBridge;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestBridge();
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  async function api(method: string, path: string, body?: unknown) {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${t.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  function missedCall(caller: string, at?: number) {
    return t.sim.pbx.placeCall({
      kind: 'queue',
      result: 'voicemail',
      caller,
      messageSeconds: 20,
      at,
    });
  }

  it('is not sent the calls of the history the first poll stores, and is sent the next call', async () => {
    const old = missedCall('+61412000001', t.sim.clock.now() - 10 * 60_000);
    const hook = await api('POST', '/v1/hooks', { target_url: receiver.url, event: 'call.missed' });
    expect(hook.status).toBe(201);
    for (let i = 0; i < 6; i++) await t.advance(5);
    const feed = await api('GET', '/v1/events?event=call.missed');
    expect((feed.body.data as CallEvent[]).map((e) => e.call_id)).toEqual([old.callHistoryId]);
    expect(receiver.received).toHaveLength(0);

    const next = missedCall('+61412000002');
    while (t.sim.clock.now() < next.endedAt + 20_000) await t.advance(5);
    for (let i = 0; i < 6; i++) await t.advance(5);
    expect(receiver.received.map((r) => (r.json as CallEvent).call_id)).toEqual([
      next.callHistoryId,
    ]);
  });
});
