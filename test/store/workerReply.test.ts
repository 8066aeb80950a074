import { MessageChannel, Worker } from 'node:worker_threads';
import { waitForReply } from '../../bridge/store/sql/workerReply';

/**
 * The Postgres store's wait for its worker (bridge/store/sql/workerReply.ts): a wake without a
 * reply, such as the previous reply's late notify, must not be taken for "no answer", which
 * closes the store's connection.
 */
function replyingWorker(body: string) {
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(
    `const { port, shared } = require('node:worker_threads').workerData;
     const flag = new Int32Array(shared);
     const reply = (message) => { port.postMessage(message); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
     port.on('message', (request) => { ${body} });`,
    { eval: true, workerData: { port: port2, shared }, transferList: [port2] },
  );
  const ask = (request: unknown, waitMs: number) => {
    Atomics.store(flag, 0, 0);
    port1.postMessage(request);
    return waitForReply(flag, port1, waitMs);
  };
  const stop = async () => {
    port1.close();
    await worker.terminate();
  };
  return { ask, stop };
}

describe('waiting for the store worker', () => {
  it('takes the reply when it is there', async () => {
    const w = replyingWorker(`reply({ echo: request });`);
    try {
      expect(w.ask('a', 5000)).toEqual({ message: { echo: 'a' } });
      expect(w.ask('b', 5000)).toEqual({ message: { echo: 'b' } });
    } finally {
      await w.stop();
    }
  });

  it('waits on through a wake that brings no reply (a late notify of the previous one)', async () => {
    // Wakes the waiting thread first (spinning until a notify reaches it, so the stray wake
    // surely lands inside the wait), and only then replies.
    const w = replyingWorker(
      `while (Atomics.notify(flag, 0) === 0);
       setTimeout(() => reply({ echo: request }), 20);`,
    );
    try {
      expect(w.ask('late', 5000)).toEqual({ message: { echo: 'late' } });
    } finally {
      await w.stop();
    }
  });

  it('gives up after the wait, with no reply', async () => {
    const w = replyingWorker(`/* never answers */`);
    try {
      expect(w.ask('lost', 100)).toBeUndefined();
    } finally {
      await w.stop();
    }
  });
});
