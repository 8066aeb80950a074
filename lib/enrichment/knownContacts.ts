import { z } from 'zod';
import { phoneNumberKey } from '../phoneNumber';

/**
 * Known contacts: numbers the bridge has learnt belong to someone (from Update Call Record,
 * or a CRM sync). A workflow must not send a generic "sorry we missed you, who are you?" text
 * to an existing customer, so every event says whether the caller is known.
 *
 * `contact_id` and `name` may be null: the bridge can know a number is a customer (a CRM link,
 * a name from 3CX) without knowing both. Any contact record at all makes `known_contact` true.
 */
export const knownContactSchema = z
  .object({
    contact_id: z.string().trim().min(1).max(200).nullable(),
    name: z.string().trim().max(200).nullable(),
    company: z.string().trim().max(200).nullable().optional(),
    email: z.string().trim().max(320).nullable().optional(),
    url: z.string().trim().max(2000).nullable().optional(),
    numbers: z.array(z.string().trim().min(1).max(40)).default(() => []),
  })
  .strict();
export type KnownContact = z.infer<typeof knownContactSchema>;

/** The contact part of the event contract, plus the name for `caller_name`. */
export interface ContactFields {
  known_contact: boolean;
  contact_id: string | null;
  contact_url: string | null;
  contact_name: string | null;
}

/** True when one of the contact's numbers is this number, however either is written. */
export function contactHasNumber(
  contact: KnownContact,
  number: string | null | undefined,
  country?: string,
): boolean {
  const key = phoneNumberKey(number, { country });
  if (key === null) return false;
  return contact.numbers.some((n) => phoneNumberKey(n, { country }) === key);
}

/**
 * The contact for a number among candidates, or null. When several share the number, the
 * first in the given order wins: the store decides the order (most recently updated first).
 */
export function findContactByNumber(
  number: string | null | undefined,
  contacts: readonly KnownContact[],
  country?: string,
): KnownContact | null {
  const key = phoneNumberKey(number, { country });
  if (key === null) return null;
  return (
    contacts.find((c) => c.numbers.some((n) => phoneNumberKey(n, { country }) === key)) ?? null
  );
}

export function contactFields(contact: KnownContact | null): ContactFields {
  if (contact === null) {
    return { known_contact: false, contact_id: null, contact_url: null, contact_name: null };
  }
  return {
    known_contact: true,
    contact_id: blankToNull(contact.contact_id),
    contact_url: blankToNull(contact.url),
    contact_name: blankToNull(contact.name),
  };
}

function blankToNull(value: string | null | undefined): string | null {
  const text = value?.trim();
  return text ? text : null;
}
