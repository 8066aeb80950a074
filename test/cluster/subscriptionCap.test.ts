import { Client } from 'pg';
import { api } from '../support/bridgeApi';
import { ensureBuilt, spawnServe, type ServeProcess } from '../support/builtBridge';
import { CLUSTER_KEY, startTwoBridges, type TwoBridges } from './twoBridges';

/**
 * The subscription cap holds across instances: two subscribes at cap − 1 that reach two
 * instances at the same moment add one subscription, and the other gets the cap's own 409.
 *
 * "At the same moment", made certain: a third connection holds the `subscriptions` table
 * (EXCLUSIVE: reads pass, inserts wait) while the two requests arrive, one at a real
 * `3cx-bridge serve` process and one at an instance in this process, and lets go only once both
 * are waiting on a lock in the database. Each has then done whatever it does before inserting
 * (counting, locking), so a count that does not wait for the other would see the same free
 * place and both would be added. Nothing here depends on timing.
 */
jest.setTimeout(180_000);

const CAP = 3;

let c: TwoBridges;
let serve: ServeProcess | null = null;
beforeAll(async () => {
  await ensureBuilt();
});
beforeEach(async () => {
  const capped = { maxSubscriptionsPerLocation: CAP };
  c = await startTwoBridges({ a: capped, b: capped });
});
afterEach(async () => {
  await serve?.kill();
  serve = null;
  await c.close();
});

/** Resolves once `count` lock requests in the test's database are waiting. */
async function waiting(observer: Client, count: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await observer.query(
      `SELECT COUNT(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE NOT l.granted AND d.datname = current_database()`,
    );
    if (rows[0].n >= count) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} lock waits`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it('lets exactly one of two simultaneous subscribes at cap − 1 through, on two instances', async () => {
  const subscribe = (url: string, n: number) =>
    api(url, c.apiKey, 'POST', '/v1/hooks', {
      target_url: `http://127.0.0.1:9/hook-${n}`,
      event: 'call.missed',
    });
  for (let n = 1; n < CAP; n++) expect((await subscribe(c.urlA, n)).status).toBe(201);
  serve = await spawnServe(
    c.databaseUrl,
    {
      BRIDGE_SECRET_KEY: CLUSTER_KEY.toString('base64'),
      BRIDGE_MAX_SUBSCRIPTIONS_PER_LOCATION: String(CAP),
      BRIDGE_ALLOW_LOCAL_HTTP_TARGETS: '1',
    },
    60_000,
  );

  const barrier = new Client({ connectionString: c.databaseUrl });
  const observer = new Client({ connectionString: c.databaseUrl });
  await barrier.connect();
  await observer.connect();
  try {
    await barrier.query('BEGIN; LOCK TABLE subscriptions IN EXCLUSIVE MODE');
    // Let go once two lock requests wait (both subscribes are in); fail if they never do.
    const released = barrier.query(`
      DO $$
      DECLARE deadline timestamptz := clock_timestamp() + interval '20 seconds';
      BEGIN
        WHILE (SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
               WHERE NOT l.granted AND d.datname = current_database()) < 2 LOOP
          IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'the two subscribes never waited at once';
          END IF;
          PERFORM pg_sleep(0.01);
        END LOOP;
      END $$;
      ROLLBACK;`);
    const viaServe = subscribe(serve.url, CAP);
    await waiting(observer, 1);
    const viaHere = subscribe(c.urlA, CAP + 1);
    const answers = await Promise.all([viaServe, viaHere]);
    await released;

    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const listed = await api(c.urlB, c.apiKey, 'GET', '/v1/hooks');
    expect((listed.body as { data: unknown[] }).data).toHaveLength(CAP);
    // The refused one got what the cap answers any subscribe past it.
    const past = await subscribe(c.urlB, CAP + 2);
    expect(past.status).toBe(409);
    expect(answers.find((a) => a.status === 409)!.body).toEqual(past.body);
  } finally {
    await barrier.query('ROLLBACK').catch(() => undefined);
    await barrier.end();
    await observer.end();
  }
});
