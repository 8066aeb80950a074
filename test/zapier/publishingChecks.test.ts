import {
  bareUrls,
  flattenSample,
  isIsoDateWithZone,
  runPublishingChecks,
  type CheckId,
} from '../../scripts/zapier/publishingChecks';
import { APP_EXEMPTIONS, lintDefinition } from '../../scripts/zapier/publishingLint';
import { titleCase } from '../../scripts/zapier/titleCase';
import { appDefinition, clone } from './appDefinition';

/* eslint-disable @typescript-eslint/no-explicit-any -- the serialized definition is plain JSON */
type Definition = Record<string, any>;

let good: Definition;
beforeAll(async () => {
  good = await appDefinition();
});

/** Break a copy of the real definition and return the checks that fire. */
function checksAfter(breakIt: (definition: Definition) => void): CheckId[] {
  const broken = clone(good);
  breakIt(broken);
  return runPublishingChecks(broken, { exemptions: APP_EXEMPTIONS }).map((v) => v.check);
}

const missed = (d: Definition) => d.triggers.missed_call;
const update = (d: Definition) => d.creates.update_call_record;

describe('npm run lint:zapier catches each publishing-check violation', () => {
  const cases: [CheckId, string, (d: Definition) => void][] = [
    [
      'D001',
      'an API key asked in a step',
      (d) => update(d).operation.inputFields.push({ key: 'api_key', label: 'Key' }),
    ],
    [
      'D002',
      'auth help without a link',
      (d) => (d.authentication.fields[1].helpText = 'Ask your admin.'),
    ],
    ['D003', 'no connection label', (d) => delete d.authentication.connectionLabel],
    [
      'D004',
      'an ID field without a dropdown (or a search)',
      (d) => {
        delete update(d).operation.inputFields[0].dynamic;
        delete update(d).operation.inputFields[0].search;
      },
    ],
    [
      'D005',
      'a dropdown pointing at a missing trigger',
      (d) => (update(d).operation.inputFields[0].dynamic = 'no_such.id.name'),
    ],
    ['D006', 'a hook without performList', (d) => delete missed(d).operation.performList],
    [
      'D008',
      'a bare URL in help text',
      (d) => (update(d).operation.inputFields[3].helpText = 'See https://example.com for help.'),
    ],
    [
      'D010',
      'a polling sample without id',
      (d) => {
        const operation = d.triggers.source_list.operation;
        delete operation.sample.id;
        operation.outputFields = operation.outputFields.filter(
          (f: { key: string }) => f.key !== 'id',
        );
      },
    ],
    [
      'D011',
      'help text repeating the label',
      (d) => (update(d).operation.inputFields[1].helpText = 'Disposition.'),
    ],
    ['D012', 'no static sample', (d) => delete missed(d).operation.sample],
    ['D017', 'a hook without unsubscribe', (d) => delete missed(d).operation.performUnsubscribe],
    ['D018', 'a label not in Title Case', (d) => (missed(d).display.label = 'missed call')],
    [
      'D018',
      'an input label not in Title Case',
      (d) => (missed(d).operation.inputFields[2].label = 'Skip calls with a voicemail'),
    ],
    [
      'D021',
      'a description not starting "Triggers when "',
      (d) => (missed(d).display.description = 'Fires on every missed call.'),
    ],
    [
      'D021',
      'a description without a full stop',
      (d) => (missed(d).display.description = 'Triggers when a call is missed'),
    ],
    [
      'D023',
      'a date without a time zone',
      (d) => (missed(d).operation.sample.started_at = '2026-03-02T09:00:00'),
    ],
    [
      'D023',
      'a date in another format',
      (d) => (update(d).operation.sample.notes = '02 Mar 2026 09:00'),
    ],
    ['D023', 'an epoch time', (d) => (missed(d).operation.sample.ended_at = 1772442024)],
    ['D024', 'a sample key without output field', (d) => (missed(d).operation.sample.extra = 'x')],
    [
      'D024',
      'an output field missing from the sample',
      (d) => delete missed(d).operation.sample.branch,
    ],
    [
      'D024',
      'a nested output field missing from the sample',
      (d) => delete missed(d).operation.sample.location.name,
    ],
    [
      'D024',
      'a sample value of the wrong type',
      (d) => (missed(d).operation.sample.missed_count_7d = '2'),
    ],
    [
      'D024',
      'a required field null in the sample',
      (d) => (missed(d).operation.sample.call_id = null),
    ],
    [
      'D024',
      'a list field that is not a list',
      (d) => (missed(d).operation.sample.agents_rung = '101'),
    ],
  ];

  it.each(cases)('%s: %s', (check, _what, breakIt) => {
    expect(checksAfter(breakIt)).toEqual([check]);
  });

  it('passes the real definition and exits 0; exits 1 with the violations listed', () => {
    const lines: string[] = [];
    const output = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(lintDefinition(good, output).exitCode).toBe(0);

    const broken = clone(good);
    missed(broken).display.label = 'missed call';
    delete missed(broken).operation.performList;
    const result = lintDefinition(broken, output);
    expect(result.exitCode).toBe(1);
    expect(result.violations.map((v) => v.check).sort()).toEqual(['D006', 'D018']);
    expect(lines.join('\n')).toMatch(/D018 {2}triggers\.missed_call\.display\.label/);
    expect(lines.join('\n')).toMatch(/"Missed Call"/);
  });

  it('needs a reason-bearing exemption to let the CRM contact ID field through D004', () => {
    expect(runPublishingChecks(good).map((v) => `${v.check} ${v.where}`)).toEqual([
      'D004 creates.update_call_record.operation.inputFields.contact_id',
    ]);
  });
});

describe('the rules behind the checks', () => {
  it('writes labels in Title Case the way Zapier suggests', () => {
    expect(titleCase('missed call')).toBe('Missed Call');
    expect(titleCase('Skip Calls With A Voicemail')).toBe('Skip Calls With a Voicemail');
    expect(titleCase('first or repeat misses')).toBe('First or Repeat Misses');
    expect(titleCase('follow-up status')).toBe('Follow-Up Status');
    expect(titleCase('Contact ID (CRM)')).toBe('Contact ID (CRM)');
    expect(titleCase('Bridge URL')).toBe('Bridge URL');
    expect(titleCase('a call to 3CX')).toBe('A Call to 3CX');
  });

  it('accepts ISO 8601 with a zone and rejects local times', () => {
    for (const ok of [
      '2026-03-02',
      '2026-03-02T09:00:00Z',
      '2026-03-02T09:00:00.500Z',
      '2026-03-02T19:30:00+10:30',
      '2023-08-01T06:50:30-0500',
    ]) {
      expect(isIsoDateWithZone(ok)).toBe(true);
    }
    for (const bad of ['2026-03-02T09:00:00', '02 Mar 2026', '2026-03-02 09:00:00Z']) {
      expect(isIsoDateWithZone(bad)).toBe(false);
    }
  });

  it('flattens samples the way Zapier names fields', () => {
    const flat = flattenSample(
      {
        id: 1,
        location: { id: 'l', name: 'n' },
        agents: ['101'],
        items: [{ sku: 'a' }],
        extra: {},
      },
      new Set(['extra']),
    );
    expect([...flat.keys()]).toEqual([
      'id',
      'location__id',
      'location__name',
      'agents',
      'items[]sku',
      'extra',
    ]);
  });

  it('finds bare URLs but not links or code', () => {
    expect(bareUrls('See [docs](https://a.example/x) or `https://b.example`.')).toEqual([]);
    expect(bareUrls('See https://c.example/path now')).toEqual(['https://c.example/path']);
  });
});
