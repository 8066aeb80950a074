/**
 * Date-times the way the XAPI writes them: UTC with `Z`, fraction digits only when there are
 * any (`2026-03-02T09:00:00Z`, `2026-03-02T09:00:12.345Z`); call-log `StartTime` is UTC
 * (docs/3cx-facts.md §1.4 [obs bma]).
 */
export function formatODataDateTime(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace('.000Z', 'Z');
}
