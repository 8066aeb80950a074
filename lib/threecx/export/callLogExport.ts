import { formatIsoDuration, parseDurationSeconds } from '../../duration';
import { toIsoUtc } from '../../utcTime';
import type { CallLeg } from '../callLeg';
import { cell, findColumns, type ColumnIndex } from './exportColumns';
import { readExportParty, type ExportParty } from './exportParty';
import type { PbxLocalTime } from './pbxLocalTime';

/**
 * A row of 3CX's Call Log report as an admin exports it (Reports → Call Log → CSV,
 * docs/3cx-facts.md §8), turned into the `CallLeg` the settle engine reads. The export is one
 * row per leg with `Call Time, Call ID, From, To, Direction, Status, Ringing, Talking, Cost,
 * Call Activity Details, …`: `Call ID` is the `CallHistoryId`, times are PBX-local, durations
 * `HH:MM:SS`, and From/To are text (lib/threecx/export/exportParty.ts).
 *
 * The conversion is faithful, never a classification: it fills the call-log fields the row
 * has, leaves out those it lacks (no DN types, no `CallType`), and `Answered` comes from
 * `Status` (`Waiting`, the queue's own leg, says neither). Who is outside, who is a person, is
 * decided by the engine's rules (lib/legRules.ts), as for rows read over the XAPI.
 */
export const CALL_LOG_COLUMNS = {
  callTime: { names: ['Call Time', 'Time', 'Start Time'], required: true },
  callId: { names: ['Call ID', 'CallHistoryId', 'Call History ID'], required: true },
  from: { names: ['From', 'Caller'], required: true },
  to: { names: ['To', 'Destination', 'Callee'], required: true },
  direction: { names: ['Direction'], required: true },
  status: { names: ['Status'], required: true },
  ringing: { names: ['Ringing', 'Ringing Duration', 'Ring Time'], required: true },
  talking: { names: ['Talking', 'Talking Duration', 'Talk Time'], required: true },
  cost: { names: ['Cost', 'Call Cost'], required: false },
  details: { names: ['Call Activity Details', 'Activity Details', 'Reason'], required: false },
} as const;

export type CallLogColumns = ColumnIndex<keyof typeof CALL_LOG_COLUMNS>;

/** The only values real exports show (docs/3cx-facts.md §8); anything else is an unknown shape. */
const KNOWN_DIRECTIONS = new Set(['Inbound', 'Outbound', 'Internal', 'Inbound Queue']);
const KNOWN_STATUSES = new Set(['Answered', 'Unanswered', 'Waiting']);

export type CallLogRowResult =
  | { kind: 'leg'; leg: CallLeg; shape: string; known: boolean }
  | { kind: 'footer' }
  | { kind: 'problem'; column: string; message: string };

export function callLogColumns(header: readonly string[]): CallLogColumns {
  return findColumns(header, CALL_LOG_COLUMNS);
}

/**
 * Reads the rows of one or more call-log exports. Stateful only for what the export lacks:
 * an integer `CallId` per call and a `SegmentId` per leg, in the order rows are read.
 */
export class CallLogExportReader {
  private readonly calls = new Map<string, { id: number; legs: number }>();

  constructor(private readonly time: PbxLocalTime) {}

  read(cells: readonly string[], columns: CallLogColumns): CallLogRowResult {
    const callHistoryId = cell(cells, columns.callId);
    if (callHistoryId === '') {
      // The export ends with a totals row (docs/3cx-facts.md §8).
      if (cells.some((c) => /^\s*totals?\b/i.test(c))) return { kind: 'footer' };
      return problem('Call ID', 'is empty: the row belongs to no call');
    }
    const timeText = cell(cells, columns.callTime);
    const start = this.time.toUtcMillis(timeText);
    if (start !== start) {
      return problem(
        'Call Time',
        `${JSON.stringify(timeText)} is not a ${this.time.dateOrder} date-time (e.g. ${example(this.time.dateOrder)})`,
      );
    }
    const ring = duration(cell(cells, columns.ringing));
    if (ring === null) return problem('Ringing', notDuration(cell(cells, columns.ringing)));
    const talk = duration(cell(cells, columns.talking));
    if (talk === null) return problem('Talking', notDuration(cell(cells, columns.talking)));

    const from = readExportParty(cell(cells, columns.from));
    const to = readExportParty(cell(cells, columns.to));
    const direction = cell(cells, columns.direction);
    const status = cell(cells, columns.status);
    const details = cell(cells, columns.details);
    const cost = Number(cell(cells, columns.cost).replace(',', '.'));

    let call = this.calls.get(callHistoryId);
    if (call === undefined) {
      call = { id: this.calls.size + 1, legs: 0 };
      this.calls.set(callHistoryId, call);
    }
    call.legs += 1;

    const leg: CallLeg = {
      CallHistoryId: callHistoryId,
      MainCallHistoryId: callHistoryId,
      CallId: call.id,
      SegmentId: call.legs,
      StartTime: toIsoUtc(start),
      ...party('Source', from),
      ...party('Destination', to),
      RingingDuration: formatIsoDuration(ring),
      TalkingDuration: formatIsoDuration(talk),
      Direction: direction,
      Status: status,
    };
    if (status === 'Answered') leg.Answered = true;
    else if (status === 'Unanswered') leg.Answered = false;
    if (details !== '') leg.Reason = details;
    if (cell(cells, columns.cost) !== '' && Number.isFinite(cost)) leg.CallCost = cost;

    const known =
      KNOWN_DIRECTIONS.has(direction) &&
      KNOWN_STATUSES.has(status) &&
      from.shape !== 'empty' &&
      to.shape !== 'empty';
    const shape = `${direction || '(no direction)'} · ${status || '(no status)'} · ${from.shape} → ${to.shape}`;
    return { kind: 'leg', leg, shape, known };
  }
}

function party(side: 'Source' | 'Destination', p: ExportParty): Partial<CallLeg> {
  const out: Record<string, string> = {};
  if (p.dn !== '') out[`${side}Dn`] = p.dn;
  if (p.callerId !== '') out[`${side}CallerId`] = p.callerId;
  if (p.displayName !== '') out[`${side}DisplayName`] = p.displayName;
  return out as Partial<CallLeg>;
}

/** `HH:MM:SS` (or an ISO duration); an empty cell is no time at all. */
function duration(text: string): number | null {
  return text === '' ? 0 : parseDurationSeconds(text);
}

function notDuration(text: string): string {
  return `${JSON.stringify(text)} is not a duration (HH:MM:SS)`;
}

function problem(column: string, message: string): CallLogRowResult {
  return { kind: 'problem', column, message };
}

function example(order: string): string {
  return order === 'MDY'
    ? '3/2/2026 9:15:02 AM'
    : order === 'YMD'
      ? '2026-03-02 09:15:02'
      : '02/03/2026 09:15:02';
}
