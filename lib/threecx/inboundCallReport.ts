import { parseUtcMillis } from '../utcTime';
import type { InboundCall } from './xapiTypes';

/**
 * 3CX's own view of its inbound calls, from `ReportInboundCalls/Pbx.GetInboundCalls`
 * (docs/3cx-facts.md §1.7, docs/xapi-schemas.md §1.3, §2.4): the report the admin console's
 * "Inbound calls" list is built from, so its count of unanswered calls is the number an admin
 * compares the bridge with. Used by the reconciliation (bridge/reports/reconciliation.ts), never
 * to classify calls (that is the settle engine's job, from the call log).
 *
 * Live PBXs return one row per leg (script, queue, agent), grouped by `CallHistoryId`
 * (docs/3cx-facts.md §1.7 [3p cloudon]); a call counts as answered when any of its rows has
 * `Status` `Answered` (the statuses seen are `Answered`, `Unanswered`, `Waiting`, §1.4), and as
 * unanswered otherwise. LiveChat sessions and web meetings show up as calls with no number and
 * no talk (§1.7): they are counted apart, as 3CX's list shows them but nobody can call back.
 */
export interface PbxInboundCall {
  /** `CallHistoryId` (the bridge's call id on Update 6 and later), else the first `CdrId`. */
  id: string;
  startedAtMs: number;
  /** `SourceCallerId` of its first row: the caller as 3CX wrote it. */
  caller: string | null;
  answered: boolean;
  /** A LiveChat session or a web meeting, not a phone call. */
  chat: boolean;
}

export function pbxInboundCalls(rows: readonly InboundCall[]): PbxInboundCall[] {
  const calls = new Map<string, PbxInboundCall>();
  for (const row of rows) {
    const id = row.CallHistoryId || row.CdrId;
    const startedAtMs = parseUtcMillis(row.StartTime);
    const chat =
      /^livechat$/i.test(row.SourceCallerId?.trim() ?? '') ||
      /webmeeting/i.test(row.TrunkName ?? '');
    const answered = /^answered$/i.test(row.Status?.trim() ?? '');
    const known = calls.get(id);
    if (!known) {
      calls.set(id, { id, startedAtMs, caller: row.SourceCallerId ?? null, answered, chat });
      continue;
    }
    known.answered ||= answered;
    known.chat ||= chat;
    if (startedAtMs < known.startedAtMs) {
      known.startedAtMs = startedAtMs;
      known.caller = row.SourceCallerId ?? known.caller;
    }
  }
  return [...calls.values()];
}
