import { parseReportPeriod } from '../../bridge/reports/reportPeriod';

/** `report --since …` (and the API's `?since=`): a period too long says what to give instead. */
describe('a report period', () => {
  const now = Date.parse('2026-12-03T07:00:00Z');

  it('longer than the report covers names the limit and a since that fits', () => {
    expect(() => parseReportPeriod({ since: '40d' }, now, 31)).toThrow(
      /longer than 31 days, the most this report covers: give a later since \(such as 31d\) or an earlier until/,
    );
    expect(parseReportPeriod({ since: '31d' }, now, 31)).toEqual({
      sinceMs: now - 31 * 86_400_000,
      untilMs: now,
    });
  });
});
