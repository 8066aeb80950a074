import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import type { Location } from '../../bridge/store/locations';
import { DEFAULT_RETENTION, pruneOldRecords } from '../../bridge/store/retention';
import { sendTestEvent } from '../../bridge/testEvents';
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
      expect(Object.values(await t.bridge.pruneOldRecords()).every((n) => n === 0)).toBe(true);
      t.sim.clock.advance(100 * 86_400);
      t.bridge.store.db
        .prepare(`UPDATE deliveries SET status = 'pending' WHERE last_status_code = 503`)
        .run();
      const removed = await t.bridge.pruneOldRecords();
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
      await t.bridge.pruneOldRecords();
      expect(updates()).toEqual([]);
      expect((await patch('third')).status).toBe(200);
      expect(updates()).toEqual([`${call.callHistoryId}:call.updated:3`]);
    } finally {
      await t.close();
    }
  });
});

describe('pruning in batches', () => {
  /** A fresh store with one location created at `start` (2026-01-01), removed afterwards. */
  async function withOffice(
    work: (store: BridgeStore, location: Location, start: number) => Promise<void>,
  ): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), '3cx-retention-'));
    const store = BridgeStore.open(join(dir, 'bridge.db'), SecretBox.ephemeral());
    try {
      const start = Date.UTC(2026, 0, 1);
      const location = store.locations.create(
        { name: 'Office', country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(start),
      );
      await work(store, location, start);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('removes every old row however small the batch, keeps what is pending, and counts what went', () =>
    withOffice(async (store, location, start) => {
      store.subscriptions.create(
        {
          locationId: location.id,
          kind: 'rest_hook',
          event: 'call.missed',
          targetUrl: 'https://hooks.example.com/1',
        },
        new Date(start),
      );
      for (let i = 0; i < 7; i++)
        sendTestEvent(store, location, { event: 'call.missed' }, { now: start + i, publicUrl: '' });
      const rows = store.db.prepare('SELECT id FROM deliveries ORDER BY id').all() as Array<{
        id: number;
      }>;
      // Six delivered (one failed attempt, then a 200); the last one still pending.
      const result = (statusCode: number) => ({
        at: start,
        statusCode,
        error: statusCode === 200 ? null : `HTTP ${statusCode}`,
        durationMs: 1,
      });
      store.deliveries.recordMany(
        rows.slice(0, 6).flatMap((r) => [
          {
            id: r.id,
            result: result(500),
            next: { status: 'pending' as const, nextAttemptAt: start },
          },
          { id: r.id, result: result(200), next: { status: 'delivered' as const } },
        ]),
      );
      const removed = await pruneOldRecords(
        store.db,
        start + 100 * 86_400_000,
        DEFAULT_RETENTION,
        2,
      );
      expect(removed).toEqual({
        delivery_attempts: 12,
        deliveries: 6,
        events: 6,
        journal_entries: 0,
      });
      const count = (table: string) =>
        Number((store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
      expect(count('deliveries')).toBe(1);
      expect(count('events')).toBe(1);
      expect(count('delivery_attempts')).toBe(0);
    }));

  it('deletes nothing in the turn that starts it: the first batch waits for the loop to turn', () =>
    withOffice(async (store, location, start) => {
      sendTestEvent(store, location, { event: 'call.missed' }, { now: start, publicUrl: '' });
      const events = () =>
        Number((store.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n);
      // `start()` begins the first prune beside every other start: none of it in that turn.
      const pruning = pruneOldRecords(store.db, start + 100 * 86_400_000);
      expect(events()).toBe(1);
      expect((await pruning).events).toBe(1);
      expect(events()).toBe(0);
    }));
});
