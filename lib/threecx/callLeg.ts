/**
 * One row of `GET /xapi/v1/ReportCallLogData/Pbx.GetCallLogData(...)`: one *leg* of a call.
 *
 * 3CX V20 writes a row per hop of a call (trunk, inbound rule, IVR, queue, every agent polled,
 * voicemail) and all rows of one call share `CallHistoryId` (docs/3cx-facts.md §1.4, §1.5).
 * Field names are exactly as the XAPI spec `Pbx.CallLogData` spells them, including the
 * lower-case `actionDnDn` (3CX's own spelling, spec 20.0.10).
 *
 * The six fields that arrived with "update to 20.0.6" (`CdrId`, `CallHistoryId`,
 * `MainCallHistoryId`, `Direction`, `CallType`, `Status`) are optional: PBXs before V20
 * Update 6 do not send them, and then legs are grouped by `CallId` (docs/3cx-facts.md §1.4 History).
 */
export interface CallLeg {
  /** One per leg (= `cdr_id` of `cdr_output`). Since 20.0.6. */
  CdrId?: string | null;
  /** Shared by every leg of one call: the grouping key. Since 20.0.6. */
  CallHistoryId?: string | null;
  /** Merged call flows share it; otherwise equal to `CallHistoryId`. Since 20.0.6. */
  MainCallHistoryId?: string | null;
  CallId: number;
  SegmentId?: number | null;
  Indent?: number | null;
  SubrowDescNumber?: number | null;
  /** UTC, ISO 8601 (`2026-03-01T09:15:02.123Z`). */
  StartTime: string;
  /** DN type codes: undocumented (docs/3cx-facts.md §7 q1); see lib/legRules.ts for the guesses. */
  SourceType?: number | null;
  SourceDn?: string | null;
  SourceCallerId?: string | null;
  SourceDisplayName?: string | null;
  DestinationType?: number | null;
  DestinationDn?: string | null;
  DestinationCallerId?: string | null;
  DestinationDisplayName?: string | null;
  ActionType?: number | null;
  ActionDnType?: number | null;
  /** Spelled with a lower-case `a` by 3CX. */
  actionDnDn?: string | null;
  ActionDnCallerId?: string | null;
  ActionDnDisplayName?: string | null;
  /** ISO 8601 duration (`PT0S`, `PT1M12.577027S`); `HH:MM:SS` also tolerated. */
  RingingDuration?: string | null;
  /** ISO 8601 duration (`PT0S`, `PT1M12.577027S`); `HH:MM:SS` also tolerated. */
  TalkingDuration?: string | null;
  Answered?: boolean | null;
  /** Seen: `Inbound`, `Outbound`, `Internal`, `Inbound Queue`. Since 20.0.6. */
  Direction?: string | null;
  /** Seen: `Extension`, `Queue`, `System`, `Digital Receptionist`, `External`. Since 20.0.6. */
  CallType?: string | null;
  /** Seen: `Answered`, `Unanswered`, `Waiting`. Since 20.0.6. */
  Status?: string | null;
  /** Free text ("Ended by …"): shown, never branched on. */
  Reason?: string | null;
  /** Relative file path of the recording, when recorded. */
  RecordingUrl?: string | null;
  SrcRecId?: number | null;
  DstRecId?: number | null;
  CallCost?: number | null;
  QualityReport?: boolean | null;
  SentimentScore?: number | null;
  Summary?: string | null;
  Transcription?: string | null;
  /** 20.0.10 spec only; some PBXs omit it. */
  Recordings?: CallLegRecording[] | null;
}

export interface CallLegRecording {
  Id: number;
  SentimentScore?: number | null;
  Summary?: string | null;
  Transcription?: string | null;
}

/** An OData collection answer: `{"@odata.context", "@odata.count"?, "value": [...]}`. */
export interface ODataCollection<T> {
  '@odata.context'?: string;
  '@odata.count'?: number;
  value: T[];
}

/** The key a leg is grouped by: `CallHistoryId`, or `CallId` on PBXs before V20 Update 6. */
export function callKeyOf(leg: CallLeg): string {
  const historyId = leg.CallHistoryId;
  return historyId ? historyId : String(leg.CallId);
}

/**
 * The grouping key of a row as 3CX sent it, before validation (lib/threecx/validateCallLegs.ts):
 * `callKeyOf` for a row that has a usable one, null otherwise. Lets the poller skip the rows of
 * calls it has finished without validating them.
 */
export function rowCallKey(row: unknown): string | null {
  if (row === null || typeof row !== 'object') return null;
  const { CallHistoryId: historyId, CallId: callId } = row as Record<string, unknown>;
  if (typeof historyId === 'string' && historyId !== '') return historyId;
  if (historyId !== undefined && historyId !== null && historyId !== '') return null;
  return Number.isInteger(callId) ? String(callId) : null;
}
