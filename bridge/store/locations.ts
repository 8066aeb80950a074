import type { SqlDatabase } from './sql/sqlDatabase';
import {
  parseLocationSettings,
  locationSettingsSchema,
  type LocationSettings,
} from '../locationSettings';
import type { SecretBox } from '../secrets/secretBox';
import { prepareAll } from './database';
import { newId } from './ids';
import { compileStoredJsonSchemas, parseStoredJson } from './storedJson';

compileStoredJsonSchemas(locationSettingsSchema);

export interface Location {
  id: string;
  name: string;
  /** Null for a location fed only by the CRM-template journal (no XAPI licence). */
  pbxUrl: string | null;
  clientId: string | null;
  hasClientSecret: boolean;
  country: string;
  timezone: string;
  settings: LocationSettings;
  pbxVersion: string | null;
  createdAt: string;
  /**
   * Grows with every change to the location's row (a trigger: schema.ts migration 10), so a
   * reader can tell whether what it holds is current without reading the row again.
   */
  revision: number;
}

export interface NewLocation {
  name: string;
  pbxUrl?: string | null;
  clientId?: string | null;
  clientSecret?: string | null;
  country: string;
  timezone: string;
  settings?: Partial<LocationSettings>;
}

interface LocationRow {
  id: string;
  name: string;
  pbx_url: string | null;
  client_id: string | null;
  client_secret_enc: string | null;
  country: string;
  timezone: string;
  settings: string;
  pbx_version: string | null;
  created_at: string;
  revision: number;
}

/** Several locations have the name a command was given: it must name one by its id. */
export class AmbiguousLocationNameError extends Error {
  override name = 'AmbiguousLocationNameError';
}

/** Locations: one 3CX system each (an agency's sub-accounts). Client secrets are sealed. */
export class LocationRepo {
  private readonly sql;

  constructor(
    db: SqlDatabase,
    private readonly secrets: SecretBox,
  ) {
    this.sql = prepareAll(db, {
      insert: `INSERT INTO locations (id, name, pbx_url, client_id, client_secret_enc, country, timezone, settings, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      byId: 'SELECT * FROM locations WHERE id = ?',
      all: 'SELECT * FROM locations ORDER BY created_at, id',
      revisions: 'SELECT id, revision FROM locations ORDER BY created_at, id',
      byIdOrName: 'SELECT * FROM locations WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 2',
      clientSecret: 'SELECT client_secret_enc FROM locations WHERE id = ?',
      setSettings: 'UPDATE locations SET settings = ? WHERE id = ?',
      setPlace: 'UPDATE locations SET country = ?, timezone = ? WHERE id = ?',
      // One statement: an instance reading the row never sees a new address with an old secret.
      setConnection:
        'UPDATE locations SET pbx_url = ?, client_id = ?, client_secret_enc = COALESCE(?, client_secret_enc) WHERE id = ?',
      setPbxVersion: 'UPDATE locations SET pbx_version = ? WHERE id = ?',
      remove: 'DELETE FROM locations WHERE id = ?',
    });
  }

  create(input: NewLocation, now: Date): Location {
    const id = newId('loc');
    const settings = locationSettingsSchema.parse(input.settings ?? {});
    this.sql.insert.run(
      id,
      input.name,
      input.pbxUrl ?? null,
      input.clientId ?? null,
      input.clientSecret ? this.secrets.seal(input.clientSecret) : null,
      input.country.toUpperCase(),
      input.timezone,
      JSON.stringify(settings),
      now.toISOString(),
    );
    return this.get(id)!;
  }

  get(id: string): Location | null {
    const row = this.sql.byId.get(id) as LocationRow | undefined;
    return row ? toLocation(row) : null;
  }

  list(): Location[] {
    return (this.sql.all.all() as unknown as LocationRow[]).map(toLocation);
  }

  /**
   * Every location's id and revision, in `list()` order, without its settings or secret: what
   * an instance reads every lease round to see which locations changed (bridgeService.ts).
   */
  revisions(): Array<{ id: string; revision: number }> {
    return this.sql.revisions
      .all()
      .map((r) => ({ id: String(r.id), revision: Number(r.revision) }));
  }

  /** Find by id or by exact name (the CLI accepts either). */
  find(idOrName: string): Location | null {
    const row = this.sql.byIdOrName.all(idOrName, idOrName, idOrName) as unknown as LocationRow[];
    if (row.length === 0) return null;
    if (row.length > 1 && row[0].id !== idOrName)
      throw new AmbiguousLocationNameError(
        `Several locations are named "${idOrName}" (${row.map((r) => r.id).join(', ')} …): use the id instead of the name; \`3cx-bridge location list\` shows them all.`,
      );
    return toLocation(row[0]);
  }

  /** The decrypted 3CX client secret, for the poller only. Never log it. */
  clientSecret(id: string): string | null {
    const row = this.sql.clientSecret.get(id) as { client_secret_enc: string | null } | undefined;
    return row?.client_secret_enc ? this.secrets.open(row.client_secret_enc) : null;
  }

  /**
   * Where the location is: its country (how national numbers read) and time zone (business
   * hours, the call-back deadline). Checked by the caller (`countryAndZoneIssues`).
   */
  setPlace(id: string, country: string, timezone: string): Location {
    this.sql.setPlace.run(country.toUpperCase(), timezone, id);
    return this.stored(id);
  }

  /**
   * The location's 3CX connection: the PBX address and API client, and a new client secret
   * (sealed) or null to keep the stored one. Its keys, calls and events stay.
   */
  setConnection(
    id: string,
    connection: { pbxUrl: string; clientId: string; clientSecret: string | null },
  ): Location {
    const sealed =
      connection.clientSecret === null ? null : this.secrets.seal(connection.clientSecret);
    this.sql.setConnection.run(connection.pbxUrl, connection.clientId, sealed, id);
    return this.stored(id);
  }

  /** The location as stored (before or after a change); an unknown id is an error. */
  private stored(id: string): Location {
    const location = this.get(id);
    if (!location) throw new Error(`No location ${id}`);
    return location;
  }

  updateSettings(id: string, patch: Partial<LocationSettings>): Location {
    const settings = parseLocationSettings({ ...this.stored(id).settings, ...patch });
    this.sql.setSettings.run(JSON.stringify(settings), id);
    return this.stored(id);
  }

  setPbxVersion(id: string, version: string): void {
    this.sql.setPbxVersion.run(version, id);
  }

  remove(id: string): boolean {
    return Number(this.sql.remove.run(id).changes) > 0;
  }
}

function toLocation(row: LocationRow): Location {
  return {
    id: row.id,
    name: row.name,
    pbxUrl: row.pbx_url,
    clientId: row.client_id,
    hasClientSecret: row.client_secret_enc !== null,
    country: row.country,
    timezone: row.timezone,
    settings: parseStoredJson(locationSettingsSchema, row.settings, {
      table: 'locations',
      row: `id=${row.id}`,
      column: 'settings',
    }),
    pbxVersion: row.pbx_version,
    createdAt: row.created_at,
    revision: Number(row.revision),
  };
}
