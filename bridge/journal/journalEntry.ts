import { z } from 'zod';
import { parseDurationSeconds } from '../../lib/duration';
import { parseUtcMillis } from '../../lib/utcTime';
import { absentIfUnset, templateText } from './templateText';

/**
 * One call journal entry: the JSON body the template's `ReportCall` scenario posts to
 * `POST /3cx/journal` when a call with an outside party ends (docs/3cx-facts.md §4.4). The keys are
 * ours (3cx-template.xml maps 3CX's variables onto them); the values are 3CX's, as text.
 *
 * `[CallType]` is the one field 3CX is known to fill reliably [obs tkd]: `Inbound` (answered
 * in), `Missed`, `Outbound` (answered out), `Notanswered` (unanswered out, this spelling).
 * Voicemail is not a call type; a call that went to voicemail comes as `Missed` [inf §4.4].
 */
export const JOURNAL_CALL_TYPES = ['inbound', 'missed', 'outbound', 'notanswered'] as const;
export type JournalCallType = (typeof JOURNAL_CALL_TYPES)[number];

/** 3CX renders an unset DateTime as .NET's `DateTime.MinValue` (year 1) [inf]: not a time. */
const EARLIEST_REAL_TIME = Date.UTC(2000, 0, 1);

/**
 * `yyyy-MM-ddTHH:mm:ss` (or a space for the `T`, as the template's `ToString("u")` gives) with
 * an optional fraction and zone (none = UTC: the template formats `[CallStartTimeUTC]`). A culture-formatted text such as `3/11/2025 6:36:50 AM`
 * (what `[DateTime]` gives, docs/3cx-facts.md §4.4) is refused: `Date.parse` would read it as the
 * bridge's local time and shift the call by hours.
 */
const UTC_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

const lowerCase = (value: unknown) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

const callType = z.preprocess(
  lowerCase,
  z.enum(JOURNAL_CALL_TYPES, { error: 'must be Inbound, Missed, Outbound or Notanswered' }),
);

const callDirection = z.preprocess(
  (v) => lowerCase(absentIfUnset(v)),
  z.enum(['inbound', 'outbound'], { error: 'must be Inbound or Outbound' }).optional(),
);

/** A UTC time as epoch ms, or null when not given (or `DateTime.MinValue`). */
const utcTime = z
  .preprocess(absentIfUnset, z.string().max(40).optional())
  .transform((text, ctx): number | null => {
    if (text === undefined) return null;
    const ms = UTC_DATE_TIME.test(text) && isCalendarDate(text) ? parseUtcMillis(text) : NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be a UTC date-time such as 2026-03-02T09:00:00Z',
      });
      return z.NEVER;
    }
    return ms < EARLIEST_REAL_TIME ? null : ms;
  });

/** `2026-02-30` is no day (a lenient parser would make it 2 March). */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(2000, m - 1, d));
  date.setUTCFullYear(y);
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * `[CallEstablishedTimeUTCMillis]`: milliseconds since 1970 UTC, as text; 0 (or nothing) for a
 * call never answered [inf]. The template sends the answer time so because formatting an unset
 * `[CallEstablishedTimeUTC]` may fail inside 3CX (docs/3cx-facts.md §8).
 */
const utcMillis = z
  .preprocess(absentIfUnset, z.union([z.number(), z.string().max(20)]).optional())
  .transform((value, ctx): number | null => {
    if (value === undefined) return null;
    const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be milliseconds since 1970 UTC' });
      return z.NEVER;
    }
    return ms < EARLIEST_REAL_TIME ? null : ms;
  });

/** Whole seconds as `[[DurationTimespan].get_TotalSeconds()]` renders them, `12` or `12.5`. */
const seconds = z
  .preprocess(absentIfUnset, z.union([z.number(), z.string().max(20)]).optional())
  .transform((value, ctx): number | null => {
    if (value === undefined) return null;
    const n = typeof value === 'number' ? value : Number(value.replace(',', '.'));
    if (!Number.isFinite(n) || n < 0 || n > 7 * 86_400) {
      ctx.addIssue({ code: 'custom', message: 'must be a number of seconds' });
      return z.NEVER;
    }
    return n;
  });

/** `[Duration]`: `hh:mm:ss` text (docs/3cx-facts.md §4.4 [unv]). */
const clockDuration = z
  .preprocess(absentIfUnset, z.string().max(20).optional())
  .transform((text, ctx): number | null => {
    if (text === undefined) return null;
    const n = parseDurationSeconds(text);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 00:01:05' });
      return z.NEVER;
    }
    return n;
  });

export const journalEntrySchema = z.object({
  call_type: callType,
  direction: callDirection,
  /** The outside number as the template's `<Number>` element shaped it; none = withheld. */
  number: templateText(64),
  /** The caller's name as 3CX shows it. */
  name: templateText(200),
  /** The agent's extension number [obs tkd]. */
  agent: templateText(40),
  agent_first_name: templateText(200),
  agent_last_name: templateText(200),
  agent_email: templateText(320),
  duration_seconds: seconds,
  duration: clockDuration,
  started_at: utcTime.refine((ms) => ms !== null, {
    message: "is required: the call's UTC start time ([CallStartTimeUTC])",
  }),
  /** Templates before `established_at_ms` sent the answer time formatted. */
  established_at: utcTime,
  established_at_ms: utcMillis,
  ended_at: utcTime,
  queue: templateText(40),
  /** The contact 3CX matched through the template's lookup (`[Contact::ContactID]`). */
  contact_id: templateText(200),
  /** The same, as 3CX's generic `[EntityId]` [unv]. */
  entity_id: templateText(200),
});

export type JournalEntryBody = z.infer<typeof journalEntrySchema>;

/** A validated journal entry, with the fields the bridge uses in their final types. */
export interface JournalEntry {
  callType: JournalCallType;
  direction: 'inbound' | 'outbound' | null;
  number: string | null;
  name: string | null;
  agent: string | null;
  agentName: string | null;
  agentEmail: string | null;
  durationSeconds: number | null;
  startedAt: number;
  establishedAt: number | null;
  endedAt: number | null;
  queue: string | null;
  contactId: string | null;
}

export function toJournalEntry(body: JournalEntryBody): JournalEntry {
  const agentName = [body.agent_first_name, body.agent_last_name].filter(Boolean).join(' ');
  return {
    callType: body.call_type,
    direction: body.direction ?? null,
    number: body.number ?? null,
    name: body.name ?? null,
    agent: body.agent ?? null,
    agentName: agentName === '' ? null : agentName,
    agentEmail: body.agent_email ?? null,
    durationSeconds: body.duration_seconds ?? body.duration ?? null,
    startedAt: body.started_at as number,
    establishedAt: body.established_at_ms ?? body.established_at,
    endedAt: body.ended_at,
    queue: body.queue ?? null,
    contactId: body.contact_id ?? body.entity_id ?? null,
  };
}

/**
 * The first field that puts the call in the future, beyond `toleranceMs` of clock skew, or
 * null. 3CX posts a call once it has ended, so such a time is a PBX-local time sent as UTC,
 * or garbage; accepted, it would also hold the entry until then.
 */
export function fieldInTheFuture(
  entry: JournalEntry,
  now: number,
  toleranceMs: number,
): 'started_at' | 'established_at' | 'ended_at' | 'duration_seconds' | null {
  const limit = now + toleranceMs;
  if (entry.startedAt > limit) return 'started_at';
  if (entry.establishedAt !== null && entry.establishedAt > limit) return 'established_at';
  if (entry.endedAt !== null) return entry.endedAt > limit ? 'ended_at' : null;
  const end = entry.startedAt + (entry.durationSeconds ?? 0) * 1000;
  return end > limit ? 'duration_seconds' : null;
}
