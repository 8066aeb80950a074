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
});
