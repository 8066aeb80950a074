import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCallEvent, eventsForSettledCall } from '../../lib/callEvent';
import { enrichCall, type EnrichmentContext } from '../../lib/enrichment/enrichCall';
import {
  parseLocationEnrichmentSettings,
  type LocationEnrichmentSettingsInput,
} from '../../lib/enrichment/locationEnrichmentSettings';
import { callerNumberKey, isMissedCall, missedAtOf } from '../../lib/enrichment/missedCall';
import type { EarlierMiss } from '../../lib/enrichment/repeatMisses';
import { settleCalls } from '../../lib/settleCalls';
import { callFactsOf, type CallFacts } from '../../lib/settledCall';

/** A settled call's facts from the scenario corpus (real XAPI rows through the real settle engine). */
function corpusCall(file: string, index = 0): CallFacts {
  const s = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'calls', file), 'utf8'));
  return callFactsOf(
    settleCalls(s.legs, { ...s.options, now: s.now, activeCallIds: s.activeCallIds }).settled[
      index
    ],
  );
}

const VOICEMAIL = corpusCall('07-voicemail-with-message.json'); // +61412345678, 2026-03-02T09:00Z
const ANONYMOUS = corpusCall('13-anonymous-caller.json');
const INTERNAL = corpusCall('11-internal-unanswered.json');
const OUTBOUND_UNANSWERED = corpusCall('12-outbound-unanswered.json'); // to +61298765432
const NATIONAL = corpusCall('14-national-format-caller.json'); // 0881234567 → +61881234567
const ANSWERED = corpusCall('01-direct-answered.json');

const JANE = '+61412345678';
const DAY = 86_400_000;
const MIN = 60_000;

function settings(overrides: Partial<LocationEnrichmentSettingsInput> = {}) {
  return parseLocationEnrichmentSettings({
    country: 'AU',
    timezone: 'Australia/Adelaide',
    sourceLists: {
      lists: [
        { id: 'sales', name: 'Sales line', dialed_numbers: ['+61881234501'] },
        { id: 'general', name: 'General enquiries', dialed_numbers: ['+61881234500'] },
      ],
      defaultList: 'general',
    },
    ...overrides,
  });
}

function context(overrides: Partial<EnrichmentContext> = {}): EnrichmentContext {
  return {
    settings: settings(),
    earlierMisses: [],
    recentEmittedMisses: [],
    contact: null,
    now: Date.parse('2026-03-02T09:01:00Z'),
    ...overrides,
  };
}

/** The same call moved to another start (keeping its length), e.g. into office hours. */
function startingAt(call: CallFacts, iso: string, extra: Partial<CallFacts> = {}): CallFacts {
  const length = Date.parse(call.ended_at) - Date.parse(call.started_at);
  const start = Date.parse(iso);
  return {
    ...call,
    started_at: new Date(start).toISOString(),
    ended_at: new Date(start + length).toISOString(),
    ...extra,
  };
}

// Monday 2 March 2026, 10:00 ACDT (+10:30) and 19:30 ACDT.
const MONDAY_10AM = '2026-03-01T23:30:00.000Z';

describe('enrichCall: the seed workflow can branch on the event alone', () => {
  it('in hours, first miss: in_hours, count 1, not a repeat, the sales list', () => {
    const call = startingAt(VOICEMAIL, MONDAY_10AM, { dialed_number: '0881234501' });
    const { enrichment, suppressed, foldInto } = enrichCall(call, context());
    expect(enrichment).toEqual({
      source_list: 'sales',
      in_business_hours: true,
      branch: 'in_hours',
      next_open_at: MONDAY_10AM,
      missed_count_7d: 1,
      is_repeat_miss: false,
      last_missed_at: null,
      known_contact: false,
      contact_id: null,
      contact_url: null,
      contact_name: null,
      attempts: 1,
    });
    expect(suppressed).toBe(false);
    expect(foldInto).toBeNull();
  });

  it('second miss in 7 days: a repeat, with when the last one was', () => {
    const call = startingAt(VOICEMAIL, MONDAY_10AM);
    const earlier: EarlierMiss[] = [
      { call_id: 'last-week', number_key: JANE, missed_at: '2026-02-25T03:00:00.000Z' },
    ];
    const { enrichment } = enrichCall(call, context({ earlierMisses: earlier }));
    expect(enrichment).toMatchObject({
      missed_count_7d: 2,
      is_repeat_miss: true,
      last_missed_at: '2026-02-25T03:00:00.000Z',
    });
  });

  it('after hours: the 09:00 UTC corpus call is 19:30 in Adelaide, but in hours in London', () => {
    expect(enrichCall(VOICEMAIL, context()).enrichment).toMatchObject({
      in_business_hours: false,
      branch: 'after_hours',
      // The morning task's due time: Tuesday 09:00 ACDT.
      next_open_at: '2026-03-02T22:30:00.000Z',
    });
    const london = context({ settings: settings({ timezone: 'Europe/London' }) });
    expect(enrichCall(VOICEMAIL, london).enrichment.branch).toBe('in_hours');
  });

  it('existing customer: known_contact and the contact name for caller_name', () => {
    const contact = {
      contact_id: 'crm-42',
      name: 'Jane Citizen',
      url: 'https://crm.example.com/42',
      numbers: ['0412 345 678'],
    };
    const { enrichment } = enrichCall(VOICEMAIL, context({ contact }));
    expect(enrichment).toMatchObject({
      known_contact: true,
      contact_id: 'crm-42',
      contact_url: 'https://crm.example.com/42',
      contact_name: 'Jane Citizen',
    });
    const event = buildCallEvent('call.missed', VOICEMAIL, {
      location: { id: 'loc_1', name: 'Adelaide Office' },
      enrichment,
    });
    expect(event.caller_name).toBe('Jane Citizen');
    expect(event.known_contact).toBe(true);
  });

  it('the branch follows when the call started, as the PBX routed it', () => {
    // Rang at 16:59:50 ACDT, settled after 17:00.
    const call = startingAt(VOICEMAIL, '2026-03-02T06:29:50.000Z');
    expect(Date.parse(call.ended_at)).toBeGreaterThan(Date.parse('2026-03-02T06:30:00Z'));
    expect(enrichCall(call, context()).enrichment.branch).toBe('in_hours');
  });
});

describe('enrichCall: what counts as a miss', () => {
  const sameNumberHistory = (key: string): Partial<EnrichmentContext> => ({
    earlierMisses: [{ call_id: 'old', number_key: key, missed_at: '2026-03-01T09:00:00Z' }],
    recentEmittedMisses: [
      {
        call_id: 'old',
        number_key: key,
        started_at: '2026-03-02T08:58:00Z',
        ended_at: '2026-03-02T08:59:00Z',
      },
    ],
  });

  it('an internal call is no miss: no count, no folding, no source list', () => {
    expect(isMissedCall(INTERNAL)).toBe(false);
    expect(callerNumberKey(INTERNAL, 'AU')).toBeNull();
    const result = enrichCall(INTERNAL, context(sameNumberHistory('101')));
    expect(result.suppressed).toBe(false);
    expect(result.enrichment).toMatchObject({
      missed_count_7d: 0,
      is_repeat_miss: false,
      source_list: null,
    });
  });

  it('an unanswered outbound call is no miss, but carries the misses of the number it called', () => {
    expect(isMissedCall(OUTBOUND_UNANSWERED)).toBe(false);
    expect(eventsForSettledCall(OUTBOUND_UNANSWERED)).not.toContain('call.missed');
    const result = enrichCall(OUTBOUND_UNANSWERED, context(sameNumberHistory('+61298765432')));
    expect(result.suppressed).toBe(false);
    expect(result.foldInto).toBeNull();
    expect(result.enrichment).toMatchObject({
      source_list: null,
      missed_count_7d: 1,
      is_repeat_miss: false,
      last_missed_at: '2026-03-01T09:00:00.000Z',
    });
  });

  it('an answered inbound call is no miss and is never folded', () => {
    const result = enrichCall(ANSWERED, context(sameNumberHistory(JANE)));
    expect(result.suppressed).toBe(false);
    expect(result.enrichment).toMatchObject({
      missed_count_7d: 1,
      is_repeat_miss: false,
      source_list: 'general',
    });
  });

  it('a withheld caller is a miss of its own: count 1, never a repeat, never folded', () => {
    expect(isMissedCall(ANONYMOUS)).toBe(true);
    expect(callerNumberKey(ANONYMOUS, 'AU')).toBeNull();
    const others: Partial<EnrichmentContext> = {
      earlierMisses: [
        { call_id: 'a1', number_key: null, missed_at: '2026-03-02T08:00:00Z' },
        { call_id: 'a2', number_key: 'Anonymous', missed_at: '2026-03-02T08:30:00Z' },
      ],
      recentEmittedMisses: [
        { call_id: 'a2', number_key: null, started_at: '2026-03-02T08:59:00Z', ended_at: null },
      ],
    };
    const result = enrichCall(ANONYMOUS, context(others));
    expect(result).toMatchObject({ suppressed: false, foldInto: null });
    expect(result.enrichment).toMatchObject({
      missed_count_7d: 1,
      is_repeat_miss: false,
      last_missed_at: null,
    });
  });

  it('a national-format caller is counted with the same number stored in E.164', () => {
    expect(callerNumberKey(NATIONAL, 'AU')).toBe('+61881234567');
    const earlier: EarlierMiss[] = [
      { call_id: 'x', number_key: '+61881234567', missed_at: '2026-02-28T01:00:00Z' },
    ];
    expect(
      enrichCall(NATIONAL, context({ earlierMisses: earlier })).enrichment.missed_count_7d,
    ).toBe(2);
  });

  it('a miss happens when the call started', () => {
    expect(missedAtOf(VOICEMAIL)).toBe(VOICEMAIL.started_at);
  });
});

describe('enrichCall: dialler cooldown', () => {
  it('folds a redial 3 minutes after an emitted miss into it, still enriched', () => {
    const first = {
      call_id: 'first',
      number_key: JANE,
      started_at: '2026-03-02T08:55:00Z',
      ended_at: '2026-03-02T08:57:00Z',
    };
    const result = enrichCall(
      VOICEMAIL,
      context({
        recentEmittedMisses: [first],
        earlierMisses: [{ call_id: 'first', number_key: JANE, missed_at: first.started_at }],
      }),
    );
    expect(result).toMatchObject({ suppressed: true, foldInto: 'first' });
    expect(result.enrichment).toMatchObject({
      missed_count_7d: 2,
      is_repeat_miss: true,
      attempts: 1,
    });
  });

  it('uses the location cooldown in minutes: exactly the cooldown folds, just over fires', () => {
    const endedAt = Date.parse(VOICEMAIL.started_at) - 5 * MIN;
    const emitted = [
      { call_id: 'first', number_key: JANE, started_at: endedAt - MIN, ended_at: endedAt },
    ];
    const five = context({
      settings: settings({ diallerCooldownMinutes: 5 }),
      recentEmittedMisses: emitted,
    });
    expect(enrichCall(VOICEMAIL, five).suppressed).toBe(true);
    const justOver = [{ ...emitted[0], ended_at: endedAt - 1 }];
    expect(enrichCall(VOICEMAIL, { ...five, recentEmittedMisses: justOver }).suppressed).toBe(
      false,
    );
    const off = context({
      settings: settings({ diallerCooldownMinutes: 0 }),
      recentEmittedMisses: emitted,
    });
    expect(enrichCall(VOICEMAIL, off).suppressed).toBe(false);
  });

  it('uses the location repeat window in days', () => {
    const earlier: EarlierMiss[] = [
      { call_id: 'x', number_key: JANE, missed_at: Date.parse(VOICEMAIL.started_at) - 2 * DAY - 1 },
    ];
    const twoDays = context({
      settings: settings({ repeatWindowDays: 2 }),
      earlierMisses: earlier,
    });
    expect(enrichCall(VOICEMAIL, twoDays).enrichment.missed_count_7d).toBe(1);
    expect(
      enrichCall(VOICEMAIL, context({ earlierMisses: earlier })).enrichment.missed_count_7d,
    ).toBe(2);
  });
});

describe('enrichCall: robustness', () => {
  it('falls back to the clock when the call time cannot be read', () => {
    const broken = { ...VOICEMAIL, started_at: 'not a time', ended_at: 'nor this' };
    const mondayMorning = Date.parse(MONDAY_10AM);
    expect(enrichCall(broken, context({ now: mondayMorning })).enrichment.branch).toBe('in_hours');
  });

  it('always gives a branch, a count of at least 1 for a miss, and a fold target only when suppressed', () => {
    const calls = [VOICEMAIL, ANONYMOUS, NATIONAL, INTERNAL, OUTBOUND_UNANSWERED, ANSWERED];
    const key = fc.constantFrom(JANE, '0412345678', '+61881234567', '+61298765432', null, '101');
    const at = fc.integer({
      min: Date.parse('2026-02-20T00:00:00Z'),
      max: Date.parse('2026-03-03T00:00:00Z'),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(...calls),
        at,
        fc.array(
          fc.record({ call_id: fc.string({ maxLength: 3 }), number_key: key, missed_at: at }),
          { maxLength: 8 },
        ),
        fc.array(
          fc.record({
            call_id: fc.string({ maxLength: 3 }),
            number_key: key,
            started_at: at,
            ended_at: fc.option(at),
          }),
          { maxLength: 4 },
        ),
        (base, start, earlierMisses, recentEmittedMisses) => {
          const call = startingAt(base, new Date(start).toISOString());
          const r = enrichCall(call, context({ earlierMisses, recentEmittedMisses }));
          expect(['in_hours', 'after_hours']).toContain(r.enrichment.branch);
          expect(r.enrichment.in_business_hours).toBe(r.enrichment.branch === 'in_hours');
          expect(r.foldInto !== null).toBe(r.suppressed);
          if (isMissedCall(call)) expect(r.enrichment.missed_count_7d).toBeGreaterThanOrEqual(1);
          else expect(r.suppressed).toBe(false);
          if (callerNumberKey(call, 'AU') === null) {
            expect(r.suppressed).toBe(false);
            expect(r.enrichment.is_repeat_miss).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
