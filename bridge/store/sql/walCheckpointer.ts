import { Worker } from 'node:worker_threads';
import type { DatabaseSync } from 'node:sqlite';

/**
 * Checkpoints a SQLite file's write-ahead log from a worker thread, so that no commit of the
 * bridge's does it on the event loop.
 *
 * With SQLite's automatic checkpoint, the commit that takes the log past 1,000 pages copies
 * them into the database file and syncs both, on the thread that committed: at 200 PBXs polled
 * every 5 s that was one poll's commit in ~50, the event loop held up to 157 ms by it and
 * `BEGIN`/`COMMIT` 12 % of the bridge's CPU (issue 16, BENCHMARKS.md). A second connection
 * may checkpoint the same file at any time [SQLite: wal.html "Checkpointing"; a PASSIVE
 * checkpoint never blocks readers or the writer], so the worker does it every `intervalMs`
 * and the bridge's own connection stops checkpointing (`wal_autocheckpoint = 0`) once the
 * worker runs. If the worker fails or exits, the connection checkpoints itself again: the log
 * never grows without bound.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;
  private exited = false;
  /** Set to 1 by the worker once its connection is closed (`stop` waits for it). */
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly raw: DatabaseSync,
    path: string,
    intervalMs = WAL_CHECKPOINT_INTERVAL_MS,
  ) {
    this.worker = new Worker(
      `(${checkpointWorkerMain.toString()})(require('node:worker_threads'))`,
      {
        eval: true,
        workerData: { path, intervalMs, closed: this.closed },
      },
    );
    this.worker.unref();
    this.worker.once('message', (message) => {
      if (message === 'ready' && !this.stopped && raw.isOpen)
        raw.exec('PRAGMA wal_autocheckpoint = 0');
    });
    const gone = () => {
      this.exited = true;
      this.selfCheckpoint();
    };
    this.worker.once('error', gone);
    this.worker.once('exit', gone);
  }

  /**
   * Stop the worker and wait (blocking, at most {@link STOP_WAIT_MS}) until its connection is
   * closed: the store is then closed for real when `close()` returns, so the file can be
   * opened again at once (a restart) or deleted. The connection checkpoints on its own again.
   */
  stop(): void {
    if (this.stopped) return;
    this.selfCheckpoint();
    if (this.exited) return;
    this.worker.postMessage('stop');
    Atomics.wait(this.closed, 0, 0, STOP_WAIT_MS);
  }

  private selfCheckpoint(): void {
    this.stopped = true;
    if (this.raw.isOpen)
      this.raw.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  }
}

/** How often the worker checkpoints: about SQLite's 1,000 pages at the bridge's busiest. */
export const WAL_CHECKPOINT_INTERVAL_MS = 1000;

/** How long `stop` waits for the worker's connection to close (it finishes a checkpoint first). */
const STOP_WAIT_MS = 2000;

/** SQLite's default `wal_autocheckpoint`. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * The worker's code, run from its source text (`eval`: no file to find in dist/ or under
 * ts-jest). Plain JavaScript: it must not use anything the compiler would rewrite.
 */
function checkpointWorkerMain(threads: typeof import('node:worker_threads')): void {
  const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
  const { path, intervalMs, closed } = threads.workerData as {
    path: string;
    intervalMs: number;
    closed: Int32Array;
  };
  const db = new DatabaseSync(path);
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  const timer = setInterval(() => {
    try {
      checkpoint.get();
    } catch {
      // Busy (another checkpoint, the CLI's): the next interval tries again.
    }
  }, intervalMs);
  threads.parentPort!.on('message', (message) => {
    if (message !== 'stop') return;
    clearInterval(timer);
    db.close();
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    threads.parentPort!.close();
  });
  threads.parentPort!.postMessage('ready');
}
