import fc from 'fast-check';
import { normalisePhoneNumber, phoneNumberKey } from '../../lib/phoneNumber';

describe('normalisePhoneNumber', () => {
  it.each([
    ['+61881234567', 'AU', '+61881234567'],
    ['0881234567', 'AU', '+61881234567'],
    ['(08) 8123 4567', 'AU', '+61881234567'],
    ['08 8123-4567', 'AU', '+61881234567'],
    ['0412 345 678', 'AU', '+61412345678'],
    ['0061881234567', 'AU', '+61881234567'],
    ['0301234567', 'DE', '+49301234567'],
    ['+1 415 555 2671', 'US', '+14155552671'],
  ])('gives %s (%s) as external %s', (raw, country, e164) => {
    expect(normalisePhoneNumber(raw, { country })).toEqual({ kind: 'external', number: e164, raw });
  });

  it.each([
    ['101', '101'],
    ['Ext.101', '101'],
    ['ext 2040', '2040'],
    ['10000', '10000'],
  ])('recognises %s as extension %s', (raw, ext) => {
    expect(normalisePhoneNumber(raw, { country: 'AU' })).toEqual({
      kind: 'internal',
      number: ext,
      raw,
    });
  });

  it.each([
    'Anonymous',
    'ANONYMOUS',
    'anonymous',
    'Withheld',
    'Private Number',
    'Restricted',
    'unknown',
  ])('treats %s as a withheld caller', (raw) => {
    expect(normalisePhoneNumber(raw, { country: 'AU' })).toEqual({
      kind: 'anonymous',
      number: null,
      raw,
    });
  });

  it.each(['', '   ', 'abc', '+999', '12345678901234567890', '++61', 'call me', '#31#'])(
    'gives %p no number',
    (raw) => {
      expect(normalisePhoneNumber(raw, { country: 'AU' })).toEqual({
        kind: 'invalid',
        number: null,
        raw,
      });
    },
  );

  it('handles null, undefined and an unknown country without throwing', () => {
    expect(normalisePhoneNumber(null)).toEqual({ kind: 'invalid', number: null, raw: '' });
    expect(normalisePhoneNumber(undefined)).toEqual({ kind: 'invalid', number: null, raw: '' });
    expect(normalisePhoneNumber('0881234567', { country: 'Narnia' }).kind).toBe('invalid');
  });

  it('never throws and always keeps the raw value, whatever it is given', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[+0-9 ()-]{0,20}$/)),
        fc.constantFrom('AU', 'US', 'DE', 'GB', undefined),
        (raw, country) => {
          const n = normalisePhoneNumber(raw, { country });
          expect(n.raw).toBe(raw);
          if (n.kind === 'external') expect(n.number).toMatch(/^\+[1-9]\d{6,14}$/);
          if (n.kind === 'anonymous' || n.kind === 'invalid') expect(n.number).toBeNull();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('gives three spellings of one caller the same key', () => {
    const keys = ['+61 8 8123 4567', '0881234567', '(08) 8123-4567'].map((n) =>
      phoneNumberKey(n, { country: 'AU' }),
    );
    expect(new Set(keys)).toEqual(new Set(['+61881234567']));
  });
});

describe('numbers as real exports and trunks write them (docs/3cx-facts.md §8)', () => {
  it.each([
    ['0871234567', 'IE', '+353871234567'],
    ['0044 20 7946 0321', 'IE', '+442079460321'],
    ['353871234567', 'IE', '+353871234567'],
    ['353871234567', undefined, '+353871234567'],
    ['001161412345678', 'AU', '+61412345678'],
    // The country's own prefix before a possible number of a range libphonenumber does not
    // list as valid: still that number, never `+11…` read as `00` + country code.
    ['001161818525078', 'AU', '+61818525078'],
    ['0011 61 8 1852 5078', 'AU', '+61818525078'],
    ['0061412345678', 'AU', '+61412345678'],
    ['871234567', 'IE', '+353871234567'],
  ])('%s (%s) is %s', (raw, country, e164) => {
    expect(normalisePhoneNumber(raw, { country })).toEqual({ kind: 'external', number: e164, raw });
  });

  it.each([
    ['00123', 'IE'],
    ['999999999999999', undefined],
    ['0', 'IE'],
    ['12ab34', 'IE'],
  ])('%s (%s) is no number', (raw, country) => {
    expect(normalisePhoneNumber(raw, { country })).toEqual({ kind: 'invalid', number: null, raw });
  });

  it.each(['anonymous', 'ANONYMOUS', 'Anonymous', ' withheld number '])('%s is withheld', (raw) => {
    expect(normalisePhoneNumber(raw)).toEqual({ kind: 'anonymous', number: null, raw });
  });

  it('reads plain digit DNs as extensions only when every character is a digit', () => {
    for (const raw of ['1', '101', '909', '123456'])
      expect(normalisePhoneNumber(raw)).toEqual({ kind: 'internal', number: raw, raw });
    // The characters either side of the digits: no extension, however short.
    for (const raw of ['1/1', '1:1', '10/', '/10', ':10', '10:'])
      expect(normalisePhoneNumber(raw).kind).not.toBe('internal');
    expect(normalisePhoneNumber('')).toEqual({ kind: 'invalid', number: null, raw: '' });
    expect(normalisePhoneNumber(' 101 ')).toEqual({
      kind: 'internal',
      number: '101',
      raw: ' 101 ',
    });
    // A longest extension length that is no number allows none written bare.
    expect(normalisePhoneNumber('101', { maxExtensionLength: Number.NaN }).kind).not.toBe(
      'internal',
    );
    expect(normalisePhoneNumber('123', { maxExtensionLength: 3 }).kind).toBe('internal');
    expect(normalisePhoneNumber(' 123 ', { maxExtensionLength: 3 }).kind).toBe('internal');
    expect(normalisePhoneNumber('1234', { maxExtensionLength: 3 }).kind).not.toBe('internal');
    // The pattern reads at most nine digits, whatever the longest length allowed.
    expect(normalisePhoneNumber('1234567890', { maxExtensionLength: 12 }).kind).not.toBe(
      'internal',
    );
  });

  it('reads short DNs as extensions, up to the longest extension length', () => {
    expect(normalisePhoneNumber('1234567')).toMatchObject({ kind: 'invalid' });
    expect(normalisePhoneNumber('1234567', { maxExtensionLength: 7 })).toMatchObject({
      kind: 'internal',
      number: '1234567',
    });
    expect(normalisePhoneNumber('Ext.0101')).toMatchObject({ kind: 'internal', number: '0101' });
    expect(normalisePhoneNumber('0101', { country: 'IE' })).toMatchObject({ kind: 'invalid' });
  });

  it('ignores a country that is no ISO code', () => {
    expect(normalisePhoneNumber('0871234567', { country: 'Ireland' }).kind).toBe('invalid');
    expect(normalisePhoneNumber('0871234567', { country: 'ie' }).number).toBe('+353871234567');
  });
});

describe('the spellings the normaliser reads, one by one', () => {
  it.each(['unavailable', 'Blocked', 'hidden', 'anonym', 'Withheld number', 'private   number'])(
    '%s is withheld',
    (raw) => {
      expect(normalisePhoneNumber(raw).kind).toBe('anonymous');
    },
  );

  it.each(['anonymous caller', 'not anonymous', 'number', 'anonymousnumber'])(
    '%s is not a withheld caller',
    (raw) => expect(normalisePhoneNumber(raw).kind).not.toBe('anonymous'),
  );

  it.each([
    ['ext.101', '101'],
    ['Ext101', '101'],
    ['EXT. 7', '7'],
    ['123456', '123456'],
    ['Ext.123456789', '123456789'],
  ])('%s is extension %s', (raw, number) => {
    expect(normalisePhoneNumber(raw)).toEqual({ kind: 'internal', number, raw });
  });

  it.each(['Ext.1234567890', 'ext', 'x101', '101 '.repeat(2).trim()])(
    '%s is no extension',
    (raw) => {
      expect(normalisePhoneNumber(raw).kind).not.toBe('internal');
    },
  );

  it.each([
    ['08.8123.4567', '+61881234567'],
    ['08/8123/4567', '+61881234567'],
    ['(08)81234567', '+61881234567'],
    ['+61 8 8123 4567', '+61881234567'],
    ['+61-8-8123-4567', '+61881234567'],
    [' +61881234567 ', '+61881234567'],
  ])('%s (AU) is %s', (raw, number) => {
    expect(normalisePhoneNumber(raw, { country: 'AU' })).toEqual({ kind: 'external', number, raw });
  });

  it.each(['+0881234567', '+6188', '+6188123456789012', '0881234567x', '+'])(
    '%s is no number',
    (raw) => expect(normalisePhoneNumber(raw, { country: 'AU' }).kind).toBe('invalid'),
  );

  it('keeps the text 3CX sent, and reads null, undefined and non-text as nothing', () => {
    expect(normalisePhoneNumber(null)).toEqual({ kind: 'invalid', number: null, raw: '' });
    expect(normalisePhoneNumber(undefined)).toEqual({ kind: 'invalid', number: null, raw: '' });
    expect(normalisePhoneNumber(101 as unknown as string)).toEqual({
      kind: 'internal',
      number: '101',
      raw: '101',
    });
    const noText = { toString: null } as unknown as string;
    expect(normalisePhoneNumber(noText)).toEqual({ kind: 'invalid', number: null, raw: '' });
    expect(normalisePhoneNumber('   ')).toEqual({ kind: 'invalid', number: null, raw: '   ' });
  });

  it('gives one key to the spellings of one caller, none to a withheld or garbled one', () => {
    expect(phoneNumberKey('0881234567', { country: 'AU' })).toBe('+61881234567');
    expect(phoneNumberKey('Ext.101')).toBe('101');
    expect(phoneNumberKey('Anonymous')).toBeNull();
    expect(phoneNumberKey('garbage')).toBeNull();
  });
});

describe('how sure a reading must be', () => {
  it('takes a national number of the right length even in a range the metadata lacks', () => {
    expect(normalisePhoneNumber('0512345678', { country: 'AU' }).number).toBe('+61512345678');
  });
  it('takes digits without a plus only as a valid international number', () => {
    expect(normalisePhoneNumber('35300000000').kind).toBe('invalid');
    expect(normalisePhoneNumber('442071234567').number).toBe('+442071234567');
  });
  it('reads 00 inside a national number as digits, not as an international prefix', () => {
    expect(normalisePhoneNumber('0871001234', { country: 'IE' }).number).toBe('+353871001234');
  });
});

describe('what is no number and what is one', () => {
  it('reads text before the digits as garbage, not as a number', () => {
    expect(normalisePhoneNumber('x0881234567', { country: 'AU' }).kind).toBe('invalid');
  });
  it('takes an E.164 number as written, spaces and all, even where the metadata knows no country', () => {
    expect(normalisePhoneNumber('+999 123 4567').number).toBe('+9991234567');
  });
  it('reads 00 inside a possible national number as digits', () => {
    expect(normalisePhoneNumber('0512001234', { country: 'AU' }).number).toBe('+61512001234');
  });
});
