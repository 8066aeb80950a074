/**
 * The event call id of a call the Call Control stream saw before the poller did. The stream has
 * no `CallHistoryId` (it reaches the call log only once a leg has ended, docs/3cx-facts.md §6),
 * so the id is made from the PBX call number and when the bridge first saw it ring:
 * `cc-{callid}-{first seen, epoch ms in base 36}`. It is stored with the call number
 * (callLinks.ts), so the poller's later view of the same call takes this id and adds its detail
 * without new events; it never looks like a 3CX `CallHistoryId` (UUID) or a journal id.
 */
const PREFIX = 'cc-';

export function streamCallId(pbxCallId: number, firstSeenAt: number): string {
  return `${PREFIX}${pbxCallId}-${firstSeenAt.toString(36)}`;
}

export function isStreamCallId(callId: string): boolean {
  return callId.startsWith(PREFIX);
}
