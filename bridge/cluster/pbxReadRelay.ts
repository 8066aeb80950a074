import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { InboundCall } from '../../lib/threecx/xapiTypes';
import type { InboundCallSource } from '../reports/reconciliation';
import type { PbxRead, PbxReadRepo } from '../store/pbxReads';

/** How long a report waits for the polling instance's answer: within the API's 30 s request timeout. */
const ANSWER_WAIT_MS = 25_000;
/** How often the asker looks for the answer, and how often it wakes the instances again. */
const LOOK_EVERY_MS = 100;
const WAKE_AGAIN_EVERY_MS = 2_000;
/** Reads older than this are an asker's that died: dropped at the next ask. */
const FORGET_AFTER_MS = 10 * 60_000;

/**
 * Reads of a PBX for an instance that does not poll it (several instances on Postgres): the
 * asking instance stores the read (`pbx_reads`) and wakes the others (`NOTIFY`); the instance
 * that holds the location's lease makes it with its own client and stores the answer; the
 * asker picks it up. 3CX keeps one token per API client (docs/3cx-facts.md §1.2): a client of
 * its own on the asking instance would take the token from the polling instance's poller and
 * Call Control stream. Used by the reconciliation report (bridge/reports/reconciliation.ts).
 *
 * The asker wakes the instances again every 2 s while it waits, so a wake-up missed (a LISTEN
 * connection reopening) or a lease moving (its holder died) delays the answer, never loses it.
 * The waits are real time, as the PBX's answer is.
 */
export class PbxReadRelay {
  private readonly answering = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      reads: PbxReadRepo;
      /** This instance (`ClusterMembership.id`): who took a read. */
      me: string;
      /** The locations this instance polls now. */
      polled: () => readonly string[];
      /** This instance's client for a location it polls, null without a PBX connection. */
      clientOf: (locationId: string) => InboundCallSource | null;
      logger: Logger;
      answerWaitMs?: number;
    },
  ) {}

  /** The location's inbound-call report, read by the instance that polls it. */
  sourceFor(locationId: string): InboundCallSource {
    return { inboundCalls: (period) => this.ask(locationId, period) };
  }

  /** Take and answer the reads waiting for the locations this instance polls (on a wake-up). */
  answerWaiting(): void {
    for (const read of this.options.reads.take(this.options.me, this.options.polled())) {
      const work: Promise<void> = this.answer(read).finally(() => this.answering.delete(work));
      this.answering.add(work);
    }
  }

  /** Resolves once no read this instance took is still being answered. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.answering]);
  }

  private async ask(
    locationId: string,
    period: { from: number; to: number },
  ): Promise<InboundCall[]> {
    const { reads } = this.options;
    reads.forgetOlderThan(FORGET_AFTER_MS);
    const id = reads.ask(locationId, period.from, period.to);
    const waitMs = this.options.answerWaitMs ?? ANSWER_WAIT_MS;
    const started = performance.now();
    let woken = started;
    try {
      for (;;) {
        await sleep(LOOK_EVERY_MS);
        const answer = reads.answer(id);
        if (answer.status === 'done') return JSON.parse(answer.result) as InboundCall[];
        if (answer.status === 'failed') throw new Error(answer.error);
        if (answer.status === 'gone') throw new Error('the location was removed');
        const now = performance.now();
        if (now - started > waitMs)
          throw new Error(
            `the bridge instance that polls this location did not answer within ${Math.round(waitMs / 1000)} s ` +
              '(it may be down: another instance takes its locations over within about 20 s). Ask again shortly.',
          );
        if (answer.status === 'pending' && now - woken > WAKE_AGAIN_EVERY_MS) {
          woken = now;
          reads.wake(locationId);
        }
      }
    } finally {
      reads.forget(id);
    }
  }

  private async answer(read: PbxRead): Promise<void> {
    const { reads, logger } = this.options;
    try {
      const client = this.options.clientOf(read.locationId);
      if (!client) throw new Error('this location has no XAPI connection');
      const calls = await client.inboundCalls({ from: read.fromMs, to: read.toMs });
      reads.finish(read.id, { result: JSON.stringify(calls) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      try {
        reads.finish(read.id, { error: message });
      } catch (failed) {
        logger.warn(
          { location: read.locationId, err: (failed as Error).message },
          'answering a PBX read failed',
        );
      }
    }
  }
}
