import type { SqlDatabase } from './sql/sqlDatabase';
import { prepareAll } from './database';

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
    if (!row) return null;
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
