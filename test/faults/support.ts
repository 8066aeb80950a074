import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { CallEvent } from '../../lib/callEvent';
import type { SimCall } from '../../sim';
import type { Receiver } from '../support/receiver';
import type { TestBridge } from '../support/testBridge';

/**
 * Poll every location once, as the scheduler would, keeping the errors (a failed poll is what
 * these tests provoke), then deliver what is due.
 */
export async function pollAndDeliver(t: TestBridge): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const status of t.bridge.scheduler.status()) {
    try {
      await t.bridge.pollNow(status.locationId);
    } catch (error) {
      errors.push(error);
    }
  }
  await t.bridge.deliverNow();
  return errors;
}

/** Advance the sim clock `seconds` in steps of `step`, polling (failures allowed) after each. */
export async function stepThrough(t: TestBridge, seconds: number, step = 5): Promise<unknown[]> {
  const errors: unknown[] = [];
  const until = t.sim.clock.now() + seconds * 1000;
  while (t.sim.clock.now() < until) {
    t.sim.clock.advance(Math.min(step, (until - t.sim.clock.now()) / 1000));
    errors.push(...(await pollAndDeliver(t)));
  }
  return errors;
}

/** The events a receiver got, parsed. */
export function eventsOf(receiver: Receiver): CallEvent[] {
  return receiver.received.map((r) => r.json as CallEvent);
}

/**
 * The ids a set of calls must produce (docs/design.md "Which events fire"): `call.started` and
 * `call.ended` for every call but internal ones, `call.missed` for inbound calls not answered.
 */
export function expectedIds(calls: readonly SimCall[], type: CallEvent['event']): string[] {
  return calls
    .filter((c) => c.expected.direction !== 'internal')
    .filter(
      (c) =>
        type !== 'call.missed' ||
        (c.expected.direction === 'inbound' && c.expected.outcome !== 'answered'),
    )
    .map((c) => `${c.callHistoryId}:${type}`);
}

/** A mix of call flows: missed, voicemail, abandoned, answered, outbound. */
export const CALL_MIX = [
  { kind: 'queue', result: 'voicemail', messageSeconds: 20 },
  { kind: 'direct', extension: '102', result: 'hangup', ringSeconds: 12 },
  { kind: 'ivr', menuSeconds: 8 },
  { kind: 'ringGroup', result: 'answered', talkSeconds: 40 },
  { kind: 'queue', result: 'answered', answeredOnPoll: 2, talkSeconds: 30 },
  { kind: 'direct', extension: '104', result: 'voicemail', messageSeconds: 0 },
  { kind: 'outbound', from: '105', number: '+61299990000', result: 'unanswered' },
] as const;

/** Place the `index`-th call of the mix now, from a caller of its own. */
export function placeFromMix(t: TestBridge, index: number): SimCall {
  const script = CALL_MIX[index % CALL_MIX.length];
  const caller = `+6141300${String(index).padStart(4, '0')}`;
  return t.sim.pbx.placeCall(script.kind === 'outbound' ? script : { ...script, caller });
}

/** A pino logger that keeps its JSON lines in memory, for asserting what the bridge logged. */
export function memoryLogger(level = 'debug'): {
  logger: Logger;
  lines: () => Array<Record<string, unknown>>;
} {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
