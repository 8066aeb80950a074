import { addBusinessTime } from '../enrichment/businessTime';
import type { LocationEnrichmentSettings } from '../enrichment/locationEnrichmentSettings';
import { toIsoUtc } from '../utcTime';

/**
 * When a missed call that nobody returned becomes `call.unreturned` (the escalation branch):
 * the location's deadline of business time after the miss (default 30 minutes,
 * `returnDeadlineMinutes`; 0 turns the escalation off), counted only while the location is
 * open by its hours and holidays (lib/enrichment/businessTime.ts). A Friday 18:00 miss falls
 * due on Monday at 09:30; a miss on a holiday eve after the holiday.
 *
 * Null when nothing should ever fall due: the escalation is off, or the location is never
 * open in the coming year.
 */
export function returnDueAt(
  missedAt: number,
  settings: Pick<LocationEnrichmentSettings, 'businessHours' | 'returnDeadlineMinutes'>,
): string | null {
  if (!(settings.returnDeadlineMinutes > 0)) return null;
  const due = addBusinessTime(
    missedAt,
    settings.returnDeadlineMinutes * 60_000,
    settings.businessHours,
  );
  return due === null ? null : toIsoUtc(due);
}
