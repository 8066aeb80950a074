import fc from 'fast-check';
import { z } from 'zod';
import {
  sourceListConfigIssues,
  sourceListConfigSchemaFor,
  sourceListConfigShapeSchema,
  sourceListFor,
  type SourceListConfig,
} from '../../lib/enrichment/sourceLists';

const config: SourceListConfig = sourceListConfigShapeSchema.parse({
  lists: [
    { id: 'sales', name: 'Sales line', dialed_numbers: ['08 8123 4501'] },
    { id: 'support', name: 'Support', dialed_numbers: ['+61881234502', '4503'] },
    { id: 'general', name: 'General enquiries', dialed_numbers: ['61881234500'] },
  ],
  defaultList: 'general',
});

describe('sourceListFor', () => {
  it('sends a call to the sales line to the sales list, not the general one', () => {
    expect(sourceListFor('+61881234501', config, 'AU')).toBe('sales');
  });

  it.each([
    ['+61881234501', 'sales'],
    ['61881234501', 'sales'],
    ['08 8123 4501', 'sales'],
    ['(08) 8123-4501', 'sales'],
    ['0061881234501', 'sales'],
    ['0881234502', 'support'],
    ['+61 8 8123 4502', 'support'],
    ['4503', 'support'], // a trunk that passes only the last digits
    ['+61881234500', 'general'],
  ])('matches the DID written %s to %s', (did, list) => {
    expect(sourceListFor(did, config, 'AU')).toBe(list);
  });

  it.each([['+61881239999'], ['0299999999'], [''], [null], [undefined], ['Anonymous']])(
    'sends an unknown or missing DID (%p) to the default list',
    (did) => {
      expect(sourceListFor(did, config, 'AU')).toBe('general');
    },
  );

  it('gives null for an unknown DID when there is no default list', () => {
    expect(sourceListFor('+61881239999', { ...config, defaultList: null }, 'AU')).toBeNull();
    expect(sourceListFor('+61881239999', { lists: [], defaultList: null }, 'AU')).toBeNull();
  });

  it('reads national numbers in the given country', () => {
    const us = sourceListConfigShapeSchema.parse({
      lists: [{ id: 'ny', name: 'New York', dialed_numbers: ['(212) 555-0123'] }],
    });
    expect(sourceListFor('+12125550123', us, 'US')).toBe('ny');
    expect(sourceListFor('1 212 555 0123', us, 'US')).toBe('ny');
  });

  it('finds each mapped number however it is written (property)', () => {
    const formats = [
      (n: string) => `+61${n}`,
      (n: string) => `61${n}`,
      (n: string) => `0${n}`,
      (n: string) => `(0${n[0]}) ${n.slice(1, 5)} ${n.slice(5)}`,
      (n: string) => `0061${n}`,
    ];
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 10_000_000, max: 99_999_999 }), {
          minLength: 2,
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: formats.length - 1 }),
        fc.integer({ min: 0, max: formats.length - 1 }),
        (locals, writtenAs, dialledAs) => {
          const numbers = locals.map((n) => `8${n}`); // Adelaide-style 9-digit national numbers
          const lists = numbers.map((n, i) => ({
            id: `list-${i}`,
            name: `List ${i}`,
            dialed_numbers: [formats[writtenAs](n)],
          }));
          const cfg = { lists, defaultList: null };
          expect(sourceListConfigIssues(cfg, 'AU')).toEqual([]);
          numbers.forEach((n, i) => {
            expect(sourceListFor(formats[dialledAs](n), cfg, 'AU')).toBe(`list-${i}`);
          });
        },
      ),
    );
  });
});

describe('source list config', () => {
  function problems(input: unknown, country = 'AU'): string {
    const result = sourceListConfigSchemaFor(country).safeParse(input);
    if (result.success) throw new Error('expected the config to be refused');
    return z.prettifyError(result.error);
  }

  it('defaults to no lists and no default list', () => {
    expect(sourceListConfigSchemaFor('AU').parse({})).toEqual({ lists: [], defaultList: null });
  });

  it('normalises the numbers to E.164 for display, and is idempotent', () => {
    const parsed = sourceListConfigSchemaFor('AU').parse({
      lists: [
        {
          id: 'sales',
          name: 'Sales line',
          dialed_numbers: ['08 8123 4501', '+61881234501', '4501'],
        },
      ],
    });
    expect(parsed.lists[0].dialed_numbers).toEqual(['+61881234501', '4501']);
    expect(sourceListConfigSchemaFor('AU').parse(parsed)).toEqual(parsed);
  });

  it.each([
    [{ lists: [{ id: 'Sales Line', name: 'x' }] }, 'lists[0].id', 'must be a lowercase slug'],
    [{ lists: [{ id: 'sales--line', name: 'x' }] }, 'lists[0].id', 'must be a lowercase slug'],
    [{ lists: [{ id: 'sales' }] }, 'lists[0].name', 'is required'],
    [
      {
        lists: [
          { id: 'sales', name: 'A' },
          { id: 'sales', name: 'B' },
        ],
      },
      'lists[1].id',
      '"sales" is already the id of another list',
    ],
    [
      { lists: [{ id: 'sales', name: 'A' }], defaultList: 'general' },
      'defaultList',
      '"general" is not the id of any list (sales)',
    ],
    [
      { lists: [{ id: 'sales', name: 'A', dialed_numbers: ['call us'] }] },
      'lists[0].dialed_numbers[0]',
      '"call us" is not a phone number in AU',
    ],
    [
      {
        lists: [
          { id: 'sales', name: 'Sales', dialed_numbers: ['+61881234501'] },
          { id: 'general', name: 'General', dialed_numbers: ['08 8123 4501'] },
        ],
      },
      'lists[1].dialed_numbers[0]',
      '"08 8123 4501" is the same number as "+61881234501" in list "sales": a number can map to one list only',
    ],
    [{ lists: [{ id: 'a', name: 'A', numbers: [] }] }, 'lists[0]', 'Unrecognized key: "numbers"'],
  ])('refuses %j at %s', (input, path, message) => {
    const text = problems(input);
    expect(text).toContain(`at ${path}`);
    expect(text).toContain(message);
  });

  it('allows the same number twice in one list', () => {
    expect(
      sourceListConfigIssues(
        {
          lists: [{ id: 'a', name: 'A', dialed_numbers: ['+61881234501', '0881234501'] }],
          defaultList: null,
        },
        'AU',
      ),
    ).toEqual([]);
  });
});
