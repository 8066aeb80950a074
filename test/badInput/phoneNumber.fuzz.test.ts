import fc from 'fast-check';
import { normalisePhoneNumber, phoneNumberKey, type NumberOptions } from '../../lib/phoneNumber';

/**
 * Whatever 3CX, a trunk, the CRM template or a Zap puts where a number belongs, the normaliser
 * answers (never throws, never hangs) with a result that keeps its promises: E.164 for an
 * outside number, stable when fed its own output, the raw text kept.
 */
const KINDS = ['external', 'internal', 'anonymous', 'invalid'];
const E164 = /^\+[1-9]\d{6,14}$/;

/** Anything, including lone surrogates, control characters and digits from other scripts. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.stringMatching(/^[\s+0-9()./\-extEXT]{0,30}$/),
  fc.constantFrom(
    '٠٨٨١٢٣٤٥٦٧', // Arabic-Indic digits
    '０８８１２３４５６７', // full-width digits
    '+61\u200b881234567', // zero-width space
    '+61881234567\u0000',
    "'; DROP TABLE calls; --",
    '<script>alert(1)</script>',
    'Anonymous\n',
    'ext.',
    '+',
    '00',
    '0'.repeat(64),
  ),
);

const options: fc.Arbitrary<NumberOptions> = fc.record(
  {
    country: fc.oneof(
      fc.constantFrom('AU', 'au', 'NZ', 'US', 'GB', 'DE', 'XX', 'Narnia', ''),
      fc.string({ maxLength: 4 }),
    ),
    maxExtensionLength: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constant(Number.NaN)),
  },
  { requiredKeys: [] },
);

describe('the phone-number normaliser, fuzzed', () => {
  it('never throws, and every answer is well-formed', () => {
    fc.assert(
      fc.property(anyText, options, (raw, opts) => {
        const n = normalisePhoneNumber(raw, opts);
        expect(KINDS).toContain(n.kind);
        expect(n.raw).toBe(raw);
        if (n.kind === 'external') expect(n.number).toMatch(E164);
        if (n.kind === 'internal') expect(n.number).toMatch(/^\d{1,9}$/);
        if (n.kind === 'anonymous' || n.kind === 'invalid') expect(n.number).toBeNull();
        const key = phoneNumberKey(raw, opts);
        expect(key).toBe(n.kind === 'external' || n.kind === 'internal' ? n.number : null);
      }),
      { numRuns: 3000 },
    );
  });

  it('is stable: an E.164 answer normalises to itself in any country', () => {
    fc.assert(
      fc.property(
        anyText,
        options,
        fc.constantFrom('AU', 'US', 'DE', undefined),
        (raw, opts, other) => {
          const n = normalisePhoneNumber(raw, opts);
          if (n.kind !== 'external') return;
          expect(normalisePhoneNumber(n.number, { country: other })).toEqual({
            kind: 'external',
            number: n.number,
            raw: n.number,
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('gives every spelling of an Australian number the same E.164 key', () => {
    const separator = fc.constantFrom('', ' ', '-', '.', '  ', ' - ');
    fc.assert(
      fc.property(
        fc.constantFrom('2', '3', '7', '8'),
        fc.integer({ min: 2000_0000, max: 9999_9999 }),
        fc.constantFrom('national', 'plus', 'zeros', 'bracketed'),
        separator,
        (area, subscriber, style, sep) => {
          const digits = String(subscriber);
          const local = `${digits.slice(0, 4)}${sep}${digits.slice(4)}`;
          const written = {
            national: `0${area}${sep}${local}`,
            plus: `+61${sep}${area}${sep}${local}`,
            zeros: `0061${sep}${area}${sep}${local}`,
            bracketed: `(0${area})${sep}${local}`,
          }[style];
          expect(phoneNumberKey(written, { country: 'AU' })).toBe(`+61${area}${digits}`);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('answers quickly for huge inputs (no catastrophic backtracking)', () => {
    const huge = [
      '1'.repeat(1_000_000),
      ' '.repeat(1_000_000) + 'x',
      'ext'.repeat(300_000),
      '+6'.repeat(500_000),
      `${'('.repeat(200_000)}0881234567${')'.repeat(200_000)}`,
      'anonymous '.repeat(100_000),
    ];
    for (const raw of huge) {
      const started = performance.now();
      const n = normalisePhoneNumber(raw, { country: 'AU' });
      expect(KINDS).toContain(n.kind);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('tolerates values that are not strings at all (JSON from a template or a Zap)', () => {
    for (const value of [42, 0, -1, 3.5, true, {}, [], ['+61881234567'], { toString: null }]) {
      expect(() =>
        normalisePhoneNumber(value as unknown as string, { country: 'AU' }),
      ).not.toThrow();
    }
    expect(normalisePhoneNumber(881234567 as unknown as string, { country: 'AU' }).kind).toBe(
      'external',
    );
  });
});
