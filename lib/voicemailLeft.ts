/**
 * The one definition of `voicemail_left` (docs/design.md "Classify", docs/api.md): the caller
 * stayed on a voicemail box for at least `thresholdSeconds`, greeting included. Neither the
 * call log nor Call Control says whether a message was recorded (docs/3cx-facts.md §2.4), only
 * how long the voicemail leg lasted, so the length is the definition: long enough to have said
 * something after a typical greeting, not a caller who hung up at the greeting.
 *
 * The settle engine, the journal path and the simulator's ground truth all decide it here.
 */
export const DEFAULT_VOICEMAIL_LEFT_SECONDS = 10;

/** Null seconds: the call never reached a voicemail box (or the source cannot tell). */
export function isVoicemailLeft(
  secondsOnVoicemail: number | null,
  thresholdSeconds: number = DEFAULT_VOICEMAIL_LEFT_SECONDS,
): boolean {
  return secondsOnVoicemail !== null && secondsOnVoicemail >= thresholdSeconds;
}
