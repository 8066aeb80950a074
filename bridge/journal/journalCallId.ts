import { createHash } from 'node:crypto';
import type { CallDirection } from '../../lib/settledCall';

/**
 * The call id of a journaled call. 3CX's `ReportCall` exposes no call id (`[CallID]` renders
 * empty [unv]; integrators build one from number and `CallStartTimeUTC` [3p zam]), so the
 * bridge derives one from what identifies a call: its UTC start to the second, the agent, the
 * normalised outside number and the direction (docs/3cx-facts.md §4.4 [inf]). 3CX posting the same
 * call twice therefore gives the same id, the same event ids, and nothing new is stored.
 *
 * `journal-` + the first 20 hex digits of a SHA-256 (80 bits): unique enough per location,
 * short enough for a URL, and never mistaken for a 3CX `CallHistoryId` (UUID-shaped, §3.3).
 */
const PREFIX = 'journal-';

export interface JournalCallIdentity {
  startedAt: number;
  agent: string | null;
  /** E.164 or extension; null when withheld or unreadable (then the raw text counts). */
  numberKey: string | null;
  numberRaw: string | null;
  direction: CallDirection;
}

export function journalCallId(identity: JournalCallIdentity): string {
  const second = new Date(Math.floor(identity.startedAt / 1000) * 1000).toISOString();
  const number = identity.numberKey ?? (identity.numberRaw ?? '').trim().toLowerCase();
  const key = [second, (identity.agent ?? '').trim(), number, identity.direction].join('|');
  return PREFIX + createHash('sha256').update(key).digest('hex').slice(0, 20);
}

/** True for ids the journal made up; every other call id came from the poller (3CX). */
export function isJournalCallId(callId: string): boolean {
  return callId.startsWith(PREFIX);
}
