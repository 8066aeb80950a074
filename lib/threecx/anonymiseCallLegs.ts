import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { normalisePhoneNumber } from '../phoneNumber';
import type { CallLeg } from './callLeg';

/**
 * Make real call-log rows safe to share as test fixtures: outside numbers and people's names
 * are replaced consistently (the same number is the same fake number in every row, so calls
 * still group and repeat callers still repeat), extension and system DNs are kept (they carry
 * the call flow), and free text that may quote numbers or names is rewritten or dropped.
 */
export interface Anonymiser {
  legs(rows: readonly CallLeg[]): CallLeg[];
}

export function createAnonymiser(options: { country?: string } = {}): Anonymiser {
  const numbers = new Map<string, string>();
  const names = new Map<string, string>();
  const fakeNumber = (raw: string): string => {
    const n = normalisePhoneNumber(raw, { country: options.country });
    if (n.kind !== 'external' || n.number === null) return raw;
    let fake = numbers.get(n.number);
    if (fake === undefined) {
      // Keep the country code, the first national digit (mobile or landline) and the length,
      // so the fake still parses the same way; the rest is a serial number.
      const parsed = parsePhoneNumberFromString(n.number);
      const cc = parsed?.countryCallingCode ?? '';
      const national = parsed?.nationalNumber ?? n.number.slice(1 + cc.length);
      const serial = String(numbers.size + 1).padStart(Math.max(1, national.length - 1), '0');
      fake = `+${cc}${national[0]}${serial}`;
      numbers.set(n.number, fake);
    }
    return fake;
  };
  const fakeName = (raw: string, isPerson: boolean, dn: string | null | undefined): string => {
    if (raw.trim() === '') return raw;
    let fake = names.get(raw);
    if (fake === undefined) {
      fake = isPerson ? (dn ? `Extension ${dn}` : `Caller ${names.size + 1}`) : raw;
      names.set(raw, fake);
    }
    return fake;
  };
  const scrubText = (text: string): string => {
    let out = text;
    for (const [real, fake] of names) if (real !== fake) out = out.split(real).join(fake);
    return out.replace(/\+?\d[\d ()-]{6,}\d/g, (m) => fakeNumber(m.replace(/[ ()-]/g, '')));
  };

  const party = (leg: CallLeg, side: 'Source' | 'Destination' | 'ActionDn') => {
    const dnKey = side === 'ActionDn' ? 'actionDnDn' : (`${side}Dn` as const);
    const idKey = `${side}CallerId` as const;
    const nameKey = `${side}DisplayName` as const;
    const dn = leg[dnKey] ?? null;
    const id = leg[idKey];
    const external =
      typeof id === 'string' &&
      normalisePhoneNumber(id, { country: options.country }).kind === 'external';
    if (typeof id === 'string') leg[idKey] = fakeNumber(id);
    const name = leg[nameKey];
    // A person: an outside caller, or an extension (an agent). Queues, IVRs and trunks keep theirs.
    const type =
      side === 'Source'
        ? leg.SourceType
        : side === 'Destination'
          ? leg.DestinationType
          : leg.ActionDnType;
    const isPerson = external || type === 0 || type === 5;
    if (typeof name === 'string') leg[nameKey] = fakeName(name, isPerson, external ? null : dn);
  };

  return {
    legs(rows) {
      const copies = rows.map((row) => ({ ...row }));
      for (const leg of copies) {
        party(leg, 'Source');
        party(leg, 'Destination');
        party(leg, 'ActionDn');
      }
      for (const leg of copies) {
        if (typeof leg.Reason === 'string') leg.Reason = scrubText(leg.Reason);
        if (leg.RecordingUrl) leg.RecordingUrl = 'recording.wav';
        delete leg.Summary;
        delete leg.Transcription;
        delete leg.Recordings;
      }
      return copies;
    },
  };
}
