import type { SqlDatabase } from './sql/sqlDatabase';
import { prepareAll } from './database';
import { jsonListRows } from './sql/jsonFields';

/** What the bridge knows about a number: from Update Call Record, the CRM template, the journal. */
export interface KnownContact {
  numberKey: string;
  contactId: string | null;
  name: string | null;
  company: string | null;
  email: string | null;
  url: string | null;
  source: 'update_call_record' | 'template' | 'journal' | 'cli';
  updatedAt: string;
}

export class ContactRepo {
  private readonly sql;

  constructor(db: SqlDatabase) {
    this.sql = prepareAll(db, {
      find: 'SELECT * FROM contacts WHERE location_id = ? AND number_key = ?',
      findEach: `SELECT * FROM contacts
         WHERE location_id = ? AND number_key IN (${jsonListRows(db.dialect)})`,
      upsert: `INSERT INTO contacts (location_id, number_key, contact_id, name, company, email, url, source, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (location_id, number_key) DO UPDATE SET
           contact_id = COALESCE(excluded.contact_id, contacts.contact_id),
           name = COALESCE(excluded.name, contacts.name),
           company = COALESCE(excluded.company, contacts.company),
           email = COALESCE(excluded.email, contacts.email),
           url = COALESCE(excluded.url, contacts.url),
           source = excluded.source,
           updated_at = excluded.updated_at`,
    });
  }

  find(locationId: string, numberKey: string): KnownContact | null {
    const row = this.sql.find.get(locationId, numberKey) as Record<string, unknown> | undefined;
    return row ? knownContactOf(row) : null;
  }

  /** `find` for many numbers in one read: the contacts known, by number (none: absent). */
  findEach(locationId: string, numberKeys: readonly string[]): Map<string, KnownContact> {
    const found = new Map<string, KnownContact>();
    if (numberKeys.length === 0) return found;
    const rows = this.sql.findEach.all(locationId, JSON.stringify([...new Set(numberKeys)]));
    for (const row of rows as Array<Record<string, unknown>>) {
      const contact = knownContactOf(row);
      found.set(contact.numberKey, contact);
    }
    return found;
  }

  /** Learn or update a contact; fields not given keep their value. */
  upsert(locationId: string, contact: Omit<KnownContact, 'updatedAt'>, now: number): void {
    this.sql.upsert.run(
      locationId,
      contact.numberKey,
      contact.contactId,
      contact.name,
      contact.company,
      contact.email,
      contact.url,
      contact.source,
      new Date(now).toISOString(),
    );
  }
}

function knownContactOf(row: Record<string, unknown>): KnownContact {
  return {
    numberKey: String(row.number_key),
    contactId: (row.contact_id as string | null) ?? null,
    name: (row.name as string | null) ?? null,
    company: (row.company as string | null) ?? null,
    email: (row.email as string | null) ?? null,
    url: (row.url as string | null) ?? null,
    source: row.source as KnownContact['source'],
    updatedAt: String(row.updated_at),
  };
}
