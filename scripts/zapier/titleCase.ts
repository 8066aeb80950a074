/**
 * Title Case as Zapier's check D018 wants it for trigger and action labels ("New Contact", not
 * "new contact"). Small words (a, and, of, to…) stay lower case inside a label, as title-case
 * style guides have it (Zapier does not publish its word list); words with capitals or digits
 * already in them (3CX, URL, ID, DIDs) are left alone, and each part of a hyphenated word is
 * capitalised ("Follow-Up").
 */
const SMALL_WORDS = new Set(
  'a an and as at but by en for if in of on or the to v v. via vs vs.'.split(' '),
);

function capitalise(part: string): string {
  if (/[A-Z0-9]/.test(part.slice(1)) || /^[0-9]/.test(part)) return part; // 3CX, URL, iOS, DIDs
  const i = part.search(/[A-Za-z]/);
  if (i < 0) return part;
  return part.slice(0, i) + part.charAt(i).toUpperCase() + part.slice(i + 1);
}

export function titleCase(label: string): string {
  const words = label.split(' ');
  return words
    .map((word, i) => {
      const bare = word.replace(/^[("']+|[)"',.:;!?]+$/g, '').toLowerCase();
      const inside = i > 0 && i < words.length - 1 && !/[:]$/.test(words[i - 1] ?? '');
      if (inside && SMALL_WORDS.has(bare)) return word.toLowerCase();
      return word.split('-').map(capitalise).join('-');
    })
    .join(' ');
}
