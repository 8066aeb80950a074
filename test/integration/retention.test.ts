import { api } from '../support/bridgeApi';
import { startReceiver } from '../support/receiver';
import { startTestBridge } from '../support/testBridge';

describe('retention', () => {
  it('prunes old delivery history and events but never what is still pending, nor call records', async () => {
    const t = await startTestBridge();
    const good = await startReceiver();
    const failing = await startReceiver();
    failing.respond = () => ({ status: 503 });
    try {
      for (const url of [good.url, failing.url]) {
        await fetch(`${t.url}/v1/hooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ target_url: url, event: 'call.ended' }),
        });
      }
      await t.tick();
      const call = t.sim.pbx.placeCall({
        kind: 'direct',
        extension: '101',
        result: 'answered',
        talkSeconds: 20,
      });
      while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
      expect(good.received).toHaveLength(1);
      const count = (table: string) =>
        Number(
          (t.bridge.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number })
            .n,
        );
      expect(count('deliveries')).toBe(2);

      // A day later nothing is old enough; 100 days later the delivered history and the
      // events go, but the failing subscriber's delivery is still pending (retried for 24 h
      // in production, 1 h in tests), so its event stays.
      t.sim.clock.advance(86_400);
      expect(Object.values(t.bridge.pruneOldRecords()).every((n) => n === 0)).toBe(true);
      t.sim.clock.advance(100 * 86_400);
      t.bridge.store.db
        .prepare(`UPDATE deliveries SET status = 'pending' WHERE last_status_code = 503`)
        .run();
      const removed = t.bridge.pruneOldRecords();
      expect(removed.deliveries).toBe(1);
      expect(count('deliveries')).toBe(1);
      expect(count('events')).toBe(1);
      expect(count('calls')).toBe(1);
      const record = await fetch(`${t.url}/v1/calls/${call.callHistoryId}`, {
        headers: { authorization: `Bearer ${t.apiKey}` },
      });
      expect(record.status).toBe(200);
    } finally {
      await good.close();
      await failing.close();
      await t.close();
    }
  });

  it('numbers call.updated events on the record, so a pruned event’s id is never used again', async () => {
    const t = await startTestBridge();
    try {
      const call = t.sim.pbx.placeCall({ kind: 'direct', extension: '101', result: 'hangup' });
      while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
      const patch = (notes: string) =>
        api(t.url, t.apiKey, 'PATCH', `/v1/calls/${call.callHistoryId}`, { notes });
      const updates = () =>
        (
          t.bridge.store.db
            .prepare(`SELECT id FROM events WHERE type = 'call.updated' ORDER BY seq`)
            .all() as Array<{ id: string }>
        ).map((r) => r.id);
      expect((await patch('first')).status).toBe(200);
      expect((await patch('second')).status).toBe(200);
      expect(updates()).toEqual([
        `${call.callHistoryId}:call.updated:1`,
        `${call.callHistoryId}:call.updated:2`,
      ]);
      // 100 days later retention drops those events; the next change is still number 3, not 1
      // (which the outbox would take for a duplicate and drop).
      t.sim.clock.advance(100 * 86_400);
      t.bridge.pruneOldRecords();
      expect(updates()).toEqual([]);
      expect((await patch('third')).status).toBe(200);
      expect(updates()).toEqual([`${call.callHistoryId}:call.updated:3`]);
    } finally {
      await t.close();
    }
  });
});
