import { WITHHELD } from '../../phoneNumber';

/**
 * How a CSV export of 3CX's reports writes a party (`From`, `To`, `Agent`, `Queue`,
 * docs/3cx-facts.md §8): `Name (DN)` (`Alice Nguyen (101)`, `Sales Queue (800)`,
 * `Shared Parking (SP1)`, `anonymous (10000)`), a number as dialled (`0871234567`, `0044…`,
 * `353…`), `anonymous` in any case, or a name alone (an AI voice agent, `Set Queue Login`).
 */
export type ExportPartyShape = 'name (dn)' | 'number' | 'withheld' | 'name' | 'empty';

export interface ExportParty {
  shape: ExportPartyShape;
  /** The DN in brackets; '' when the text has none. */
  dn: string;
  /**
   * What stands where the call log has a caller id: the number, `anonymous`, or the DN in
   * brackets (the export shows one value where the call log has two, DN and caller id).
   */
  callerId: string;
  displayName: string;
}

/** `Name (DN)`: the last bracketed part is the DN (a name may have brackets of its own). */
const NAMED = /^(.*?)\s*\(([^()]*)\)\s*$/;
const DIALLED = /^\+?[\d][\d\s\-./]*$/;

export function readExportParty(text: string): ExportParty {
  const t = text.trim();
  if (t === '') return { shape: 'empty', dn: '', callerId: '', displayName: '' };
  const named = NAMED.exec(t);
  if (named !== null && named[2].trim() !== '') {
    const name = named[1].trim();
    const dn = named[2].trim();
    return {
      shape: WITHHELD.test(name) ? 'withheld' : 'name (dn)',
      dn,
      callerId: dn,
      displayName: name,
    };
  }
  const bare = named !== null ? named[1].trim() : t;
  if (WITHHELD.test(bare)) return { shape: 'withheld', dn: '', callerId: bare, displayName: '' };
  if (DIALLED.test(bare)) return { shape: 'number', dn: '', callerId: bare, displayName: '' };
  return { shape: 'name', dn: '', callerId: '', displayName: bare };
}
