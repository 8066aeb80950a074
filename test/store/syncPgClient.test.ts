import { PostgresDatabase } from '../../bridge/store/sql/postgresDatabase';
import { toNumberedPlaceholders } from '../../bridge/store/sql/placeholders';
import { PostgresError } from '../../bridge/store/sql/syncPgClient';
import { testDatabaseUrl } from '../support/postgres/testPostgres';

/** The synchronous Postgres driver (bridge/store/sql): a worker thread behind Atomics.wait. */
describe('the synchronous Postgres driver', () => {
  let url: string;
  let db: PostgresDatabase;
  beforeAll(async () => {
    url = await testDatabaseUrl();
    db = new PostgresDatabase(url);
    db.exec(`CREATE TABLE t (id BIGINT PRIMARY KEY, label TEXT UNIQUE, blob BYTEA, ratio DOUBLE PRECISION);
             CREATE TABLE locked (id INTEGER PRIMARY KEY)`);
  });
  afterAll(() => db.close());

  it('numbers `?` placeholders, leaving quoted text and comments alone', () => {
    expect(
      toNumberedPlaceholders(
        `SELECT '?', "a?b", ? -- what?\n, ? FROM x WHERE y = 'it''s ?' AND z = ?`,
      ),
    ).toBe(`SELECT '?', "a?b", $1 -- what?\n, $2 FROM x WHERE y = 'it''s ?' AND z = $3`);
  });

  it('answers synchronously, with int8 and counts as numbers and bytes as bytes', () => {
    const insert = db.prepare('INSERT INTO t (id, label, blob, ratio) VALUES (?, ?, ?, ?)');
    expect(insert.run(1_764_633_600_123, 'a', Buffer.from([1, 2, 255]), 0.5)).toEqual({
      changes: 1,
    });
    insert.run(2, null, null, null);
    const row = db.prepare('SELECT * FROM t WHERE id = ?').get(1_764_633_600_123)!;
    expect(row).toEqual({
      id: 1_764_633_600_123,
      label: 'a',
      blob: expect.any(Uint8Array),
      ratio: 0.5,
    });
    expect([...(row.blob as Uint8Array)]).toEqual([1, 2, 255]);
    expect(db.prepare('SELECT COUNT(*) AS n, SUM(id) AS s FROM t').get()).toEqual({
      n: 2,
      s: 1_764_633_600_125,
    });
    expect(db.prepare('SELECT id FROM t WHERE label IS NOT DISTINCT FROM ?').all(null)).toEqual([
      { id: 2 },
    ]);
  });

  it('re-throws a failed statement on the main thread with its SQLSTATE', () => {
    const insert = db.prepare('INSERT INTO t (id, label) VALUES (?, ?)');
    insert.run(10, 'unique');
    let caught: unknown;
    try {
      insert.run(11, 'unique');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PostgresError);
    expect((caught as PostgresError).code).toBe('23505');
    // The connection is still usable.
    expect(db.prepare('SELECT label FROM t WHERE id = ?').get(10)).toEqual({ label: 'unique' });
  });

  it('rolls a transaction back when its work throws, and commits it otherwise', () => {
    expect(() =>
      db.transaction(() => {
        db.prepare('INSERT INTO t (id) VALUES (?)').run(20);
        expect(db.isTransaction).toBe(true);
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(db.isTransaction).toBe(false);
    expect(db.prepare('SELECT id FROM t WHERE id = 20').get()).toBeUndefined();
    db.transaction(() => db.prepare('INSERT INTO t (id) VALUES (?)').run(21));
    expect(db.prepare('SELECT id FROM t WHERE id = 21').get()).toEqual({ id: 21 });
  });

  it('runs a statement sent without a wait in its turn inside the transaction', () => {
    const insert = db.prepare('INSERT INTO t (id, label) VALUES (?, ?)');
    const count = db.prepare('SELECT COUNT(*) AS n FROM t WHERE id BETWEEN 30 AND 39');
    db.transaction(() => {
      for (let id = 30; id < 35; id++) db.send(insert, id, `sent ${id}`);
      // The next query's answer comes after the statements sent before it.
      expect(count.get()).toEqual({ n: 5 });
      db.send(insert, 35, 'sent 35');
    });
    expect(count.get()).toEqual({ n: 6 });
  });

  it('fails the transaction with the error of a statement sent without a wait, at its next query or its COMMIT', () => {
    const insert = db.prepare('INSERT INTO t (id, label) VALUES (?, ?)');
    insert.run(40, 'taken');
    const ours = db.prepare('SELECT id FROM t WHERE id BETWEEN 41 AND 49 ORDER BY id');
    for (const failAt of ['next query', 'commit'] as const) {
      let caught: unknown;
      try {
        db.transaction(() => {
          db.send(insert, 41, null);
          db.send(insert, 42, 'taken'); // a unique violation
          db.send(insert, 43, null); // not run: the transaction has failed
          if (failAt === 'next query') ours.all();
        });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PostgresError);
      expect((caught as PostgresError).code).toBe('23505');
      expect(db.isTransaction).toBe(false);
      // Nothing of it stored, and the error is not the answer to a later query.
      expect(ours.all()).toEqual([]);
    }
    db.transaction(() => db.send(insert, 44, null));
    expect(ours.all()).toEqual([{ id: 44 }]);
  });

  it('runs a statement sent outside a transaction at once, its error thrown there', () => {
    const insert = db.prepare('INSERT INTO t (id, label) VALUES (?, ?)');
    db.send(insert, 50, 'fifty');
    expect(() => db.send(insert, 51, 'fifty')).toThrow(PostgresError);
    expect(db.prepare('SELECT id FROM t WHERE id >= 50 AND id < 60').all()).toEqual([{ id: 50 }]);
  });

  it('gives up on a lock held elsewhere after the lock timeout instead of blocking the thread for ever', () => {
    const holder = new PostgresDatabase(url);
    const impatient = new PostgresDatabase(url, {
      statementTimeoutMs: 2000,
      lockTimeoutMs: 200,
      idleInTransactionMs: 10_000,
      connectTimeoutMs: 5000,
    });
    try {
      holder.exec('BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
      let caught: unknown;
      try {
        impatient.prepare('SELECT * FROM locked').all();
      } catch (error) {
        caught = error;
      }
      // 55P03: lock_not_available.
      expect((caught as PostgresError).code).toBe('55P03');
      holder.exec('ROLLBACK');
      expect(impatient.prepare('SELECT * FROM locked').all()).toEqual([]);
    } finally {
      holder.close();
      impatient.close();
    }
  });
});
