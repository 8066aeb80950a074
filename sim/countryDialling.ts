import type { SeededRandom } from './seededRandom';

/**
 * The few dialling facts the sim needs per country: what `GET /E164Settings` reports, how a
 * trunk writes a caller in national format (docs/3cx-facts.md §5: CDR and some trunks send `0301234567`)
 * and what random local callers look like. A handful of countries, not a numbering plan:
 * the bridge does the real parsing with libphonenumber.
 */
export interface CountryDialling {
  /** ISO 3166 alpha-2. */
  iso: string;
  name: string;
  countryCode: string;
  /** Trunk prefix for national format (`0` in AU, `1` in US). */
  nationalCode: string;
  internationalCode: string;
  /** The PBX's own area code as `E164Settings.AreaCode` shows it. */
  areaCode: string;
  /** National significant number prefixes and lengths of typical callers. */
  mobile: { prefix: string; length: number };
  landline: { prefix: string; length: number };
}

const COUNTRIES: readonly CountryDialling[] = [
  {
    iso: 'AU',
    name: 'Australia',
    countryCode: '61',
    nationalCode: '0',
    internationalCode: '0011',
    areaCode: '8',
    mobile: { prefix: '4', length: 9 },
    landline: { prefix: '8', length: 9 },
  },
  {
    iso: 'NZ',
    name: 'New Zealand',
    countryCode: '64',
    nationalCode: '0',
    internationalCode: '00',
    areaCode: '9',
    mobile: { prefix: '21', length: 9 },
    landline: { prefix: '9', length: 8 },
  },
  {
    iso: 'GB',
    name: 'United Kingdom',
    countryCode: '44',
    nationalCode: '0',
    internationalCode: '00',
    areaCode: '20',
    mobile: { prefix: '7', length: 10 },
    landline: { prefix: '20', length: 10 },
  },
  {
    iso: 'IE',
    name: 'Ireland',
    countryCode: '353',
    nationalCode: '0',
    internationalCode: '00',
    areaCode: '1',
    mobile: { prefix: '8', length: 9 },
    landline: { prefix: '1', length: 8 },
  },
  {
    iso: 'US',
    name: 'United States',
    countryCode: '1',
    nationalCode: '1',
    internationalCode: '011',
    areaCode: '212',
    mobile: { prefix: '917', length: 10 },
    landline: { prefix: '212', length: 10 },
  },
  {
    iso: 'DE',
    name: 'Germany',
    countryCode: '49',
    nationalCode: '0',
    internationalCode: '00',
    areaCode: '30',
    mobile: { prefix: '15', length: 11 },
    landline: { prefix: '30', length: 10 },
  },
  {
    iso: 'AT',
    name: 'Austria',
    countryCode: '43',
    nationalCode: '0',
    internationalCode: '00',
    areaCode: '1',
    mobile: { prefix: '66', length: 11 },
    landline: { prefix: '1', length: 9 },
  },
];

/** Accepts an ISO code (`AU`) or a calling code (`61`, `+61`). */
export function countryDialling(country: string): CountryDialling {
  const key = country.trim().replace(/^\+/, '').toUpperCase();
  const found = COUNTRIES.find((c) => c.iso === key || c.countryCode === key);
  if (!found) {
    const known = COUNTRIES.map((c) => `${c.iso} (${c.countryCode})`).join(', ');
    throw new RangeError(`unknown country ${JSON.stringify(country)}; known: ${known}`);
  }
  return found;
}

/**
 * How a trunk writes a caller, as real exports show them (docs/3cx-facts.md §5, §8): `e164`
 * (`+353871234567`), `national` (`0871234567`, numbers of this country only), `international`
 * (`00353871234567`: the country's international prefix) or `digits` (`353871234567`).
 */
export type CallerFormat = 'e164' | 'national' | 'international' | 'digits';

export function formatAsDialled(
  e164: string,
  country: CountryDialling,
  format: CallerFormat,
): string {
  if (!e164.startsWith('+')) return e164; // Anonymous, or already as dialled
  switch (format) {
    case 'national':
      return toNationalFormat(e164, country);
    case 'international':
      return country.internationalCode + e164.slice(1);
    case 'digits':
      return e164.slice(1);
    default:
      return e164;
  }
}

/** `+61412345678` → `0412345678` for a number of this country; other numbers unchanged. */
export function toNationalFormat(e164: string, country: CountryDialling): string {
  const prefix = `+${country.countryCode}`;
  if (!e164.startsWith(prefix)) return e164;
  return country.nationalCode + e164.slice(prefix.length);
}

/** A plausible E.164 caller of this country; mostly mobiles, as on a sales line. */
export function randomCallerNumber(country: CountryDialling, random: SeededRandom): string {
  const plan = random.chance(0.7) ? country.mobile : country.landline;
  let digits = plan.prefix;
  while (digits.length < plan.length) digits += String(random.int(0, 9));
  return `+${country.countryCode}${digits}`;
}
