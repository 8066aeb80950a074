import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * Block the thread until a worker's reply is on `port`, or `waitMs` have passed (undefined).
 *
 * The worker posts its reply, then sets `flag[0]` to 1 and notifies; the caller set it to 0
 * before asking. A wake is no proof of a reply: the previous reply's notify can come late (the
 * worker is preempted between setting the flag and notifying, and the caller, seeing the flag
 * already set, took that reply without waiting and asked again) and wake the wait for the next
 * one, whose reply is not there yet. Taken as "no answer", it closed the bridge's Postgres
 * connection in a CI run under load (bridge/store/sql/syncPgClient.ts). So a wake without a
 * reply waits again for what is left of the time.
 */
export function waitForReply(
  flag: Int32Array,
  port: MessagePort,
  waitMs: number,
): { message: unknown } | undefined {
  // Real time: `Atomics.wait` blocks on it, so a test's clock could not stand in for it.
  const deadline = performance.now() + waitMs;
  for (;;) {
    const woke = Atomics.wait(flag, 0, 0, Math.max(0, deadline - performance.now()));
    const received = receiveMessageOnPort(port);
    if (received !== undefined) return received;
    // Timed out; or the flag is set with no reply behind it, so none is coming.
    if (woke !== 'ok' || deadline - performance.now() <= 0) return undefined;
  }
}
