import { trimText } from '../../lib/trimText';

describe('trimText', () => {
  it('is String.prototype.trim, for text with and without space at either end', () => {
    const texts = [
      '',
      ' ',
      'Alice',
      ' Alice',
      'Alice ',
      '\tAlice\n',
      '\u00a0101\u00a0',
      '\u3000+61412345678',
      '+61412345678\ufeff',
      'a',
      '~',
      '\u007f',
      'é',
      ' a b ',
    ];
    for (const text of texts) expect(trimText(text)).toBe(text.trim());
  });

  // Reading past the end of a string deoptimizes the code that inlined trimText, and V8 then
  // calls the runtime for every charCodeAt there (lib/trimText.ts): empty text is answered
  // without reading a char.
  it('reads no char of empty text', () => {
    const read: number[] = [];
    const empty = {
      length: 0,
      charCodeAt: (i: number) => {
        read.push(i);
        return NaN;
      },
      trim: () => '',
    };
    expect(trimText(empty as unknown as string)).toBe(empty);
    expect(read).toEqual([]);
  });
});
