import {
  contactFields,
  contactHasNumber,
  findContactByNumber,
  knownContactSchema,
  type KnownContact,
} from '../../lib/enrichment/knownContacts';

const jane: KnownContact = {
  contact_id: 'crm-42',
  name: 'Jane Citizen',
  company: 'Citizen Plumbing',
  email: 'jane@example.com',
  url: 'https://crm.example.com/contacts/42',
  numbers: ['0412 345 678', '+61881234567'],
};
const bob: KnownContact = { contact_id: 'crm-7', name: 'Bob', numbers: ['+61400000000'] };

describe('known contacts', () => {
  it.each(['+61412345678', '0412345678', '61412345678', '(08) 8123 4567'])(
    'matches %s to a contact however either side is written',
    (number) => {
      expect(contactHasNumber(jane, number, 'AU')).toBe(true);
      expect(findContactByNumber(number, [bob, jane], 'AU')).toBe(jane);
    },
  );

  it('matches nobody for another, withheld or missing number', () => {
    expect(findContactByNumber('+61499999999', [bob, jane], 'AU')).toBeNull();
    expect(findContactByNumber('Anonymous', [bob, jane], 'AU')).toBeNull();
    expect(findContactByNumber(null, [bob, jane], 'AU')).toBeNull();
    expect(contactHasNumber(jane, '', 'AU')).toBe(false);
  });

  it('takes the first contact in the given order when two share a number', () => {
    const twin = { ...bob, contact_id: 'crm-8' };
    expect(findContactByNumber('+61400000000', [twin, bob])?.contact_id).toBe('crm-8');
  });

  it('gives the event fields of a known contact', () => {
    expect(contactFields(jane)).toEqual({
      known_contact: true,
      contact_id: 'crm-42',
      contact_url: 'https://crm.example.com/contacts/42',
      contact_name: 'Jane Citizen',
    });
  });

  it('gives nulls for an unknown caller', () => {
    expect(contactFields(null)).toEqual({
      known_contact: false,
      contact_id: null,
      contact_url: null,
      contact_name: null,
    });
  });

  it('still counts a contact with only some fields as known', () => {
    expect(contactFields({ contact_id: null, name: '  ', numbers: [] })).toEqual({
      known_contact: true,
      contact_id: null,
      contact_url: null,
      contact_name: null,
    });
  });

  it('validates a contact record', () => {
    expect(knownContactSchema.parse({ contact_id: 'c1', name: 'Jane' })).toEqual({
      contact_id: 'c1',
      name: 'Jane',
      numbers: [],
    });
    expect(knownContactSchema.safeParse({ contact_id: '', name: 'Jane' }).success).toBe(false);
    expect(
      knownContactSchema.safeParse({ contact_id: 'c1', name: 'Jane', phone: 'x' }).success,
    ).toBe(false);
  });
});
