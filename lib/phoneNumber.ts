import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { trimText } from './trimText';

/**
 * What a number in a 3CX row or journal entry turns out to be.
 *
 * - `external`: an outside number, given in E.164 (`+61881234567`).
 * - `internal`: a 3CX extension or system DN (`101`, `Ext.101`, docs/3cx-facts.md §5).
 * - `anonymous`: withheld; 3CX writes the literal `Anonymous`, in any case (docs/3cx-facts.md §5).
 * - `invalid`: empty or garbage: no lookup, no callback.
 * The raw value is always kept: a workflow may still want to show what 3CX said.
 */
export type PhoneNumberKind = 'external' | 'internal' | 'anonymous' | 'invalid';

export interface NormalisedNumber {
  kind: PhoneNumberKind;
  /** E.164 for external numbers; the bare extension for internal ones; otherwise null. */
  number: string | null;
  raw: string;
}

export interface NumberOptions {
  /** ISO 3166 alpha-2 country for national-format numbers (`0881234567` in AU). */
  country?: string;
  /** Longest digit string still read as an extension (3CX extensions are short DNs). */
  maxExtensionLength?: number;
}

/** How trunks and 3CX write a withheld caller (`anonymous` in any case, docs/3cx-facts.md §5, §8). */
export const WITHHELD =
  /^(anonymous|withheld|private|restricted|unknown|unavailable|blocked|hidden|anonym)(\s+number)?$/i;
const EXTENSION = /^(?:ext\.?\s*)?(\d{1,9})$/i;
const E164 = /^\+[1-9]\d{6,14}$/;
const PUNCTUATION = /[\s().\-/]/g;
const DEFAULT_MAX_EXTENSION_LENGTH = 6;

/**
 * Normalise any number 3CX gives us. Never throws. The rules are `phoneNumberOf`'s.
 */
export function normalisePhoneNumber(
  value: string | null | undefined,
  options: NumberOptions = {},
): NormalisedNumber {
  const raw = textOf(value);
  const found: NumberKind = { kind: 'invalid' };
  const number = phoneNumberOf(raw, options, found);
  return { kind: found.kind, number, raw };
}

/** Where `phoneNumberOf` writes the kind of the number it read. */
export interface NumberKind {
  kind: PhoneNumberKind;
}

/**
 * The number in `raw` (E.164 for an outside number, the bare extension for an internal one,
 * else null), its kind written to `found`. Never throws. The settle engine reads two or three
 * numbers a call through here with one `found` it keeps, so that no record is made per number
 * (BENCHMARKS.md, issue 16 item 4, thirteenth round).
 *
 * Already-E.164 strings (what the call log mostly carries, docs/3cx-facts.md §5 [obs bma]) take a fast
 * path without libphonenumber, because the settle engine normalises one number per call.
 */
export function phoneNumberOf(
  raw: string,
  options: NumberOptions,
  found: NumberKind,
): string | null {
  // A plain extension (`101`), most numbers of a call after the caller's: no pattern, no match.
  const maxExt = options.maxExtensionLength ?? DEFAULT_MAX_EXTENSION_LENGTH;
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: the patterns below read such text as the same extension
  if (isShortExtension(raw, maxExt)) return kindOf(found, 'internal', raw);
  // E.164 as it is, what the call log mostly carries for outside parties: no pattern, no copy.
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: the E.164 pattern below reads such text the same
  if (isPlainE164(raw)) return kindOf(found, 'external', raw);
  const text = trimText(raw);
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, every later check refuses empty text the same way
  if (text === '') return kindOf(found, 'invalid', null);
  // Stryker disable next-line ConditionalExpression: equivalent, a fast path: the same E.164 test after punctuation removal answers the same
  if (E164.test(text)) return kindOf(found, 'external', text);
  if (WITHHELD.test(text)) return kindOf(found, 'anonymous', null);

  const ext = EXTENSION.exec(text);
  if (ext) {
    const digits = ext[1];
    const explicit = text.length !== digits.length; // written as `Ext.101`
    if (explicit || (digits.length <= maxExt && digits[0] !== '0')) {
      return kindOf(found, 'internal', digits);
    }
  }

  const candidate = text.replace(PUNCTUATION, '');
  if (!/^\+?\d+$/.test(candidate)) return kindOf(found, 'invalid', null);
  if (E164.test(candidate)) return kindOf(found, 'external', candidate);
  const country = toCountry(options.country);
  if (/^00[1-9]/.test(candidate)) {
    // An international prefix. libphonenumber knows the country's own (`0011` in AU) and then
    // reads the digits after it; a reading that ends with the number's own digits came through
    // that prefix, so a possible number is enough (a range missing from the metadata must
    // still get its call back). Else `00` + country code (the `Zeros` prefix of the CRM
    // template and most of the world, docs/3cx-facts.md §4.2, §8).
    const idd = parsedNumber(candidate, country, false);
    if (idd !== null && candidate.endsWith(idd.slice(1))) return kindOf(found, 'external', idd);
    const zeros = `+${candidate.slice(2)}`;
    return E164.test(zeros) ? kindOf(found, 'external', zeros) : kindOf(found, 'invalid', null);
  }
  const national = parsedNumber(candidate, country, false);
  if (national !== null) return kindOf(found, 'external', national);
  // Not a number of the country: the country code without its `+` (`353…`, as real exports
  // show, docs/3cx-facts.md §8), taken only when valid.
  // Stryker disable next-line Regex: equivalent, a candidate starting with 0 or + is no valid number after a + either
  const international = /^[1-9]/.test(candidate)
    ? parsedNumber(`+${candidate}`, undefined, true)
    : null;
  if (international !== null) return kindOf(found, 'external', international);
  return kindOf(found, 'invalid', null);
}

/** `number`, its kind written to `found` (`phoneNumberOf`). */
function kindOf(found: NumberKind, kind: PhoneNumberKind, number: string | null): string | null {
  found.kind = kind;
  return number;
}

/** What `E164` matches, decided by char codes: `+`, a digit 1–9, then 6 to 14 digits. */
function isPlainE164(text: string): boolean {
  const n = text.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent, refusing more (a shortcut: the pattern then decides the same)
  if (n < 8 || n > 16 || text.charCodeAt(0) !== 43 /* + */) return false;
  const lead = text.charCodeAt(1);
  // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent, refusing more (see above)
  if (lead < 49 || lead > 57) return false;
  // Stryker disable next-line EqualityOperator,UpdateOperator: equivalent, refusing more (past the end charCodeAt is NaN, accepted; backwards the + at 0 is refused)
  for (let i = 2; i < n; i++) {
    const c = text.charCodeAt(i);
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent, refusing more (see above)
    if (c < 48 || c > 57) return false;
  }
  // Stryker disable next-line BooleanLiteral: equivalent, refusing more (see above)
  return true;
}

/**
 * 1 to `maxLength` digits (at most 9, what EXTENSION reads), not starting with 0: what the rules
 * below read as an extension, decided by char codes.
 */
function isShortExtension(text: string, maxLength: number): boolean {
  // Refusing more is equivalent (a shortcut: the patterns then decide, the same way); accepting
  // more is not, and the tests pin that. Hence the markers on the refusals only.
  const n = text.length;
  // Stryker disable next-line ConditionalExpression: equivalent, refusing more (see above; `false` accepts empty text and a leading 0, caught)
  if (n === 0 || text.charCodeAt(0) === 48 /* 0 */) return false;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, refusing more (see above)
  if (!(n <= maxLength) || n > 9) return false;
  // Stryker disable next-line EqualityOperator: equivalent, past the end charCodeAt is NaN, which no check refuses
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, refusing more (see above)
    if (c < 48 || c > 57) return false;
  }
  // Stryker disable next-line BooleanLiteral: equivalent, refusing more (see above)
  return true;
}

/**
 * E.164 of `text` read in `country`, or null. isPossible (right length for the country), not
 * isValid, for national numbers: a newly allocated range missing from the metadata must still
 * get its callback; `strict` (isValid) where the reading is a guess.
 */
function parsedNumber(
  text: string,
  country: CountryCode | undefined,
  strict: boolean,
): string | null {
  try {
    const parsed = parsePhoneNumberFromString(text, country);
    if (parsed && (strict ? parsed.isValid() : parsed.isPossible()) && E164.test(parsed.number)) {
      return parsed.number;
    }
  } catch {
    // libphonenumber throws on some inputs in some versions; garbage is simply invalid.
  }
  return null;
}

/** The value as text; '' for null or for an object that cannot be written as text. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  try {
    return String(value);
  } catch {
    // `{"toString": null}` from parsed JSON: no text, no number (and no exception).
    return '';
  }
}

function toCountry(country: string | undefined): CountryCode | undefined {
  if (!country) return undefined;
  const upper = country.toUpperCase();
  // Stryker disable next-line Regex: equivalent, libphonenumber refuses an unknown country code, which reads as no country
  return /^[A-Z]{2}$/.test(upper) ? (upper as CountryCode) : undefined;
}

/** The key two spellings of the same caller share: E.164 or extension; null when unknowable. */
export function phoneNumberKey(
  value: string | null | undefined,
  options: NumberOptions = {},
): string | null {
  const n = normalisePhoneNumber(value, options);
  // Stryker disable next-line ConditionalExpression: equivalent, other kinds have no number (null) anyway
  return n.kind === 'external' || n.kind === 'internal' ? n.number : null;
}
