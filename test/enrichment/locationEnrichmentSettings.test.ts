import { z } from 'zod';
import { defaultBusinessHours } from '../../lib/enrichment/businessHours';
import {
  locationEnrichmentSettingsSchema,
  parseLocationEnrichmentSettings,
} from '../../lib/enrichment/locationEnrichmentSettings';

function problems(input: unknown): string {
  const result = locationEnrichmentSettingsSchema.safeParse(input);
  if (result.success) throw new Error('expected the settings to be refused');
  return z.prettifyError(result.error);
}

describe('locationEnrichmentSettingsSchema', () => {
  it('needs only the country and zone, and defaults everything else', () => {
    expect(
      parseLocationEnrichmentSettings({ country: 'au', timezone: 'Australia/Adelaide' }),
    ).toEqual({
      country: 'AU',
      timezone: 'Australia/Adelaide',
      businessHours: defaultBusinessHours('Australia/Adelaide'),
      sourceLists: { lists: [], defaultList: null },
      repeatWindowDays: 7,
      diallerCooldownMinutes: 10,
      returnDeadlineMinutes: 30,
    });
  });

  it('puts business hours in the location zone unless they name their own', () => {
    const own = parseLocationEnrichmentSettings({
      country: 'AU',
      timezone: 'Australia/Adelaide',
      businessHours: {
        timezone: 'Australia/Perth',
        weekly: { saturday: [{ start: '09:00', end: '12:00' }] },
      },
    });
    expect(own.businessHours.timezone).toBe('Australia/Perth');
    expect(own.businessHours.weekly.monday).toEqual([]);
    const inherited = parseLocationEnrichmentSettings({
      country: 'AU',
      timezone: 'Australia/Adelaide',
      businessHours: { holidays: [{ name: 'Christmas Day', date: '2026-12-25', recurring: true }] },
    });
    expect(inherited.businessHours.timezone).toBe('Australia/Adelaide');
    expect(inherited.businessHours.weekly.monday).toEqual([{ start: '09:00', end: '17:00' }]);
    expect(inherited.businessHours.holidays).toHaveLength(1);
  });

  it('normalises the source-list numbers with the location country', () => {
    const settings = parseLocationEnrichmentSettings({
      country: 'AU',
      timezone: 'Australia/Adelaide',
      sourceLists: {
        lists: [
          { id: 'sales', name: 'Sales line', dialed_numbers: ['08 8123 4501'] },
          { id: 'general', name: 'General', dialed_numbers: ['61881234500'] },
        ],
        defaultList: 'general',
      },
    });
    expect(settings.sourceLists.lists.map((l) => l.dialed_numbers)).toEqual([
      ['+61881234501'],
      ['+61881234500'],
    ]);
  });

  it('gives the same settings when its output is parsed again (the bridge stores the output)', () => {
    const once = parseLocationEnrichmentSettings({
      country: 'us',
      timezone: 'America/New_York',
      businessHours: { weekly: { friday: [{ start: '22:00', end: '02:00' }] } },
      sourceLists: { lists: [{ id: 'ny', name: 'NY', dialed_numbers: ['(212) 555-0123'] }] },
      repeatWindowDays: 14,
      diallerCooldownMinutes: 0,
    });
    expect(parseLocationEnrichmentSettings(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it("drops keys it does not know, so the bridge can pass a location's whole settings", () => {
    const settings = parseLocationEnrichmentSettings({
      country: 'AU',
      timezone: 'Australia/Adelaide',
      pollIntervalSeconds: 5,
    });
    expect(settings).not.toHaveProperty('pollIntervalSeconds');
  });

  it.each([
    [{ timezone: 'Australia/Adelaide' }, 'country', 'is required: the ISO 3166 country'],
    [
      { country: 'Australia', timezone: 'Australia/Adelaide' },
      'country',
      '"Australia" is not an ISO 3166 country code',
    ],
    [{ country: 'AU' }, 'timezone', 'is required: an IANA time zone'],
    [
      { country: 'AU', timezone: 'Australia/Adelaide', repeatWindowDays: 0 },
      'repeatWindowDays',
      'must be more than 0 days',
    ],
    [
      { country: 'AU', timezone: 'Australia/Adelaide', diallerCooldownMinutes: -1 },
      'diallerCooldownMinutes',
      'must be 0 (off) or more minutes',
    ],
    [
      {
        country: 'AU',
        timezone: 'Australia/Adelaide',
        businessHours: { weekly: { monday: [{ start: '9', end: '17' }] } },
      },
      'businessHours.weekly.monday[0].start',
      'must be a time of day',
    ],
    [
      {
        country: 'AU',
        timezone: 'Australia/Adelaide',
        sourceLists: {
          lists: [
            { id: 'sales', name: 'Sales', dialed_numbers: ['+61881234501'] },
            { id: 'support', name: 'Support', dialed_numbers: ['(08) 8123 4501'] },
          ],
        },
      },
      'sourceLists.lists[1].dialed_numbers[0]',
      'a number can map to one list only',
    ],
    [
      { country: 'AU', timezone: 'Australia/Adelaide', sourceLists: { lists: [], default: 'x' } },
      'sourceLists',
      'Unrecognized key: "default"',
    ],
  ])('refuses %j at %s', (input, path, message) => {
    const text = problems(input);
    expect(text).toContain(`at ${path}`);
    expect(text).toContain(message);
  });
});
