import type { CallLeg } from './callLeg';
import { parseUtcMillis } from '../utcTime';

export interface CallLegProblem {
  /** Position of the row in the input. */
  index: number;
  /** `CdrId` or `CallId`, when the row has one: how an admin finds it in 3CX. */
  row: string | null;
  message: string;
}

export interface ValidatedCallLegs {
  legs: CallLeg[];
  problems: CallLegProblem[];
}

/**
 * Keep the rows the settle engine can use and say precisely what is wrong with the others.
 * A row needs a grouping key (`CallHistoryId`, or an integer `CallId`) and a readable UTC
 * `StartTime`; everything else is optional because 3CX versions differ (docs/3cx-facts.md §1.4).
 * Cheap on purpose: it runs on every polled row.
 */
export function validateCallLegs(rows: readonly unknown[]): ValidatedCallLegs {
  const legs: CallLeg[] = [];
  const problems: CallLegProblem[] = [];
  for (let index = 0; index < rows.length; index++) {
    const row = rows[index];
    const message = problemWith(row);
    if (message === null) legs.push(row as CallLeg);
    else problems.push({ index, row: rowName(row), message });
  }
  return { legs, problems };
}

function problemWith(row: unknown): string | null {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return 'is not an object';
  const r = row as Record<string, unknown>;
  const hasHistoryId = typeof r.CallHistoryId === 'string' && r.CallHistoryId !== '';
  if (!hasHistoryId && !Number.isInteger(r.CallId)) {
    return 'has neither CallHistoryId nor an integer CallId to group it by';
  }
  if (r.CallId !== undefined && r.CallId !== null && !Number.isInteger(r.CallId)) {
    return `has a CallId that is not an integer (${JSON.stringify(r.CallId)})`;
  }
  if (typeof r.StartTime !== 'string') return 'has no StartTime';
  if (Number.isNaN(parseUtcMillis(r.StartTime))) {
    return `has a StartTime that is not a date-time (${JSON.stringify(r.StartTime)})`;
  }
  for (const field of ['RingingDuration', 'TalkingDuration'] as const) {
    const v = r[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return `has a ${field} that is not a duration string (${JSON.stringify(v)})`;
    }
  }
  // The settle engine reads these as text (trims, compares, normalises numbers): a number or
  // an object here would throw inside it and fail every poll of the window, not just this row.
  for (const field of TEXT_FIELDS) {
    const v = r[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return `has a ${field} that is not text (${JSON.stringify(v)})`;
    }
  }
  return null;
}

const TEXT_FIELDS = [
  'CdrId',
  'CallHistoryId',
  'SourceDn',
  'SourceCallerId',
  'SourceDisplayName',
  'DestinationDn',
  'DestinationCallerId',
  'DestinationDisplayName',
  'Direction',
  'CallType',
] as const;

function rowName(row: unknown): string | null {
  if (row === null || typeof row !== 'object') return null;
  const r = row as Record<string, unknown>;
  if (typeof r.CdrId === 'string' && r.CdrId !== '') return `CdrId ${r.CdrId}`;
  if (r.CallId !== undefined && r.CallId !== null) return `CallId ${String(r.CallId)}`;
  return null;
}
