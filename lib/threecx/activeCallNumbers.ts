import { phoneNumberKey } from '../phoneNumber';
import type { ActiveCall } from './xapiTypes';

/**
 * The outside numbers of the calls `GET /ActiveCalls` lists. Its `Caller` and `Callee` are free
 * text (docs/xapi-schemas.md §2.3: a number, or a name with a number beside it), so every run
 * of digits long enough to be a phone number is read in the location's country; extensions
 * and names are left out. A call the call log does not show yet (3CX logs a leg when it ends,
 * docs/3cx-facts.md §6) is visible here while it lasts.
 */
export function activeCallNumbers(rows: readonly ActiveCall[], country: string): Set<string> {
  const numbers = new Set<string>();
  for (const row of rows) {
    for (const text of [row.Caller, row.Callee]) {
      for (const token of (text ?? '').match(/\+?\d[\d ]{5,}\d/g) ?? []) {
        const key = phoneNumberKey(token, { country });
        if (key?.startsWith('+')) numbers.add(key);
      }
    }
  }
  return numbers;
}
