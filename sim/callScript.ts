import { z } from 'zod';

/**
 * A call script: one call flow as data (kind + parameters + timings in seconds). `planCall`
 * turns it into call-log legs with absolute times and the ground truth tests compare with.
 * Every timing has a sensible default, so `{ "kind": "queue", "result": "voicemail" }` is a
 * complete script. Scripts arrive over `POST /_sim/calls` too, hence a schema (strict: a
 * misspelt key is an error, not a silently different call).
 */
const seconds = z.number().positive().max(86400);
const secondsOrZero = z.number().min(0).max(86400);
const dn = z.string().regex(/^\d{1,10}$/, 'a DN is digits');

/** Who calls in, on which DID, and when. */
const inboundCaller = {
  /** Start time: epoch ms or ISO 8601. Default: the sim clock's now. */
  at: z.union([z.number(), z.string()]).optional(),
  /** E.164 (`+61412345678`), `Anonymous` (withheld, docs/3cx-facts.md §5), or national format. Default: random. */
  caller: z.string().min(1).optional(),
  callerName: z.string().optional(),
  /**
   * How the trunk writes an E.164 caller (docs/3cx-facts.md §5, §8): `national` (`0412345678`),
   * `international` (`0061412345678`), `digits` (`61412345678`). Default `e164`.
   */
  callerFormat: z.enum(['e164', 'national', 'international', 'digits']).optional(),
  /** The DID dialled. Default: the DID whose inbound rule routes to the script's destination. */
  did: z.string().optional(),
};

/** Voicemail: a greeting, then a message (0 = the caller hung up after the greeting). */
const voicemailTiming = {
  messageSeconds: secondsOrZero.optional(),
  greetingSeconds: seconds.optional(),
};

// --- destinations an inbound rule or an IVR option can lead to -------------------------------

const directRoute = {
  kind: z.literal('direct'),
  extension: dn,
  /** answered; voicemail (rang out); hangup (caller hung up while it rang). */
  result: z.enum(['answered', 'voicemail', 'hangup']),
  ringSeconds: seconds.optional(),
  talkSeconds: seconds.optional(),
  ...voicemailTiming,
};

const ringGroupRoute = {
  kind: z.literal('ringGroup'),
  group: dn.optional(),
  result: z.enum(['answered', 'voicemail', 'hangup']),
  /** The member who picks up (default: the first member). */
  answeredBy: dn.optional(),
  ringSeconds: seconds.optional(),
  talkSeconds: seconds.optional(),
  ...voicemailTiming,
};

const queueRoute = {
  kind: z.literal('queue'),
  queue: dn.optional(),
  /**
   * answered: the `answeredOnPoll`-th agent poll picks up (default 3: the third agent).
   * voicemail: nobody answers within the queue's max wait, the call goes to its voicemail box.
   * hangup: the caller gives up after `waitSeconds` (agents polled by then, or none).
   */
  result: z.enum(['answered', 'voicemail', 'hangup']),
  answeredOnPoll: z.number().int().min(1).optional(),
  /** How long the answering agent's phone rang before pick-up. */
  pickupSeconds: seconds.optional(),
  talkSeconds: seconds.optional(),
  waitSeconds: seconds.optional(),
  /** Logged-in agents for this call, in polling order (default: the queue's agents). */
  agents: z.array(dn).optional(),
  ...voicemailTiming,
};

const voicemailRoute = {
  kind: z.literal('voicemail'),
  /** The extension whose voicemail box takes the call. */
  box: dn.optional(),
  ...voicemailTiming,
};

/** What an IVR option leads to: the same scripts, without the caller fields. */
export const ivrChoiceSchema = z.discriminatedUnion('kind', [
  z.strictObject(directRoute),
  z.strictObject(ringGroupRoute),
  z.strictObject(queueRoute),
  z.strictObject(voicemailRoute),
]);

export const callScriptSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...inboundCaller, ...directRoute }),
  z.strictObject({ ...inboundCaller, ...ringGroupRoute }),
  z.strictObject({ ...inboundCaller, ...queueRoute }),
  z.strictObject({ ...inboundCaller, ...voicemailRoute }),
  z.strictObject({
    ...inboundCaller,
    kind: z.literal('ivr'),
    ivr: dn.optional(),
    /** Time in the menu before choosing (or hanging up). */
    menuSeconds: seconds.optional(),
    /** The chosen destination; absent = the caller hangs up in the IVR. */
    then: ivrChoiceSchema.optional(),
  }),
  z.strictObject({
    ...inboundCaller,
    /** Outside office hours: the DID's inbound rule sends the call straight to voicemail. */
    kind: z.literal('afterHours'),
    ...voicemailTiming,
  }),
  z.strictObject({
    ...inboundCaller,
    /** Answered by `extension`, blind-transferred to `to`, which does not answer → voicemail. */
    kind: z.literal('transfer'),
    extension: dn,
    to: dn,
    ringSeconds: seconds.optional(),
    talkSeconds: seconds.optional(),
    transferRingSeconds: seconds.optional(),
    /** voicemail (default): `to` rings out to its voicemail; answered: `to` picks up. */
    result: z.enum(['voicemail', 'answered']).optional(),
    transferTalkSeconds: seconds.optional(),
    ...voicemailTiming,
  }),
  z.strictObject({
    ...inboundCaller,
    /**
     * Answered by `extension`, who parks the caller on shared parking (`Shared Parking (SP1)`,
     * docs/3cx-facts.md §8); `pickedUpBy` takes the call from there, or nobody does and the
     * caller hangs up while parked.
     */
    kind: z.literal('park'),
    extension: dn,
    pickedUpBy: dn.optional(),
    ringSeconds: seconds.optional(),
    talkSeconds: seconds.optional(),
    parkSeconds: seconds.optional(),
    pickupTalkSeconds: seconds.optional(),
  }),
  z.strictObject({
    ...inboundCaller,
    /**
     * An AI voice agent (a leg with no DN, docs/3cx-facts.md §8) talks to the caller, then
     * sends the call on (`then`) or the caller hangs up on it.
     */
    kind: z.literal('voiceAgent'),
    talkSeconds: seconds.optional(),
    then: ivrChoiceSchema.optional(),
  }),
  z.strictObject({
    kind: z.literal('internal'),
    at: inboundCaller.at,
    from: dn,
    to: dn,
    result: z.enum(['answered', 'unanswered']),
    ringSeconds: seconds.optional(),
    talkSeconds: seconds.optional(),
  }),
  z.strictObject({
    kind: z.literal('outbound'),
    at: inboundCaller.at,
    from: dn,
    /** The outside number dialled, E.164. Default: random. */
    number: z
      .string()
      .regex(/^\+\d{6,15}$/, 'an outside number is E.164')
      .optional(),
    result: z.enum(['answered', 'unanswered']),
    ringSeconds: seconds.optional(),
    talkSeconds: seconds.optional(),
  }),
]);

export type CallScript = z.infer<typeof callScriptSchema>;
export type CallScriptKind = CallScript['kind'];
export type IvrChoice = z.infer<typeof ivrChoiceSchema>;

/** Parse untrusted JSON into a script; throws `CallScriptError` with every problem named. */
export function parseCallScript(input: unknown): CallScript {
  const parsed = callScriptSchema.safeParse(input);
  if (!parsed.success) {
    throw new CallScriptError(
      parsed.error.issues
        .map((i) => `${i.path.length ? i.path.join('.') : 'script'}: ${i.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}

/** A script that is well-formed but cannot be played on this PBX (unknown DN, too late a poll). */
export class CallScriptError extends Error {
  override name = 'CallScriptError';
}
