import type { SecretBox } from '../secrets/secretBox';
import { ApiKeyRepo } from './apiKeys';
import { CallRepo } from './calls';
import { ContactRepo } from './contacts';
import { describeDatabase, openDatabase } from './database';
import { DeliveryRepo } from './deliveries';
import { FollowUpRepo } from './followUps';
import { LocationRepo } from './locations';
import { EventOutbox } from './outbox';
import { PollerHealthRepo } from './pollerHealth';
import { PollerStateRepo } from './pollerStates';
import { ReportRepo } from './reports';
import type { SqlDatabase } from './sql/sqlDatabase';
import { SubscriptionRepo } from './subscriptions';

/**
 * The bridge's store: one database (a SQLite file, or Postgres when several instances share
 * it), one repository per kind of record.
 */
export class BridgeStore {
  readonly locations: LocationRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly subscriptions: SubscriptionRepo;
  readonly calls: CallRepo;
  readonly events: EventOutbox;
  readonly deliveries: DeliveryRepo;
  readonly pollerStates: PollerStateRepo;
  readonly pollerHealth: PollerHealthRepo;
  readonly contacts: ContactRepo;
  readonly followUps: FollowUpRepo;
  readonly reports: ReportRepo;

  constructor(
    readonly db: SqlDatabase,
    secrets: SecretBox,
    /** The database file or URL (for messages that must say which database they looked in). */
    readonly path = ':memory:',
  ) {
    this.locations = new LocationRepo(db, secrets);
    this.apiKeys = new ApiKeyRepo(db);
    this.subscriptions = new SubscriptionRepo(db, secrets);
    this.calls = new CallRepo(db);
    this.events = new EventOutbox(db);
    this.deliveries = new DeliveryRepo(db);
    this.pollerStates = new PollerStateRepo(db);
    this.pollerHealth = new PollerHealthRepo(db);
    this.contacts = new ContactRepo(db);
    this.followUps = new FollowUpRepo(db);
    this.reports = new ReportRepo(db);
  }

  /** A SQLite file (or `:memory:`), or a `postgres://` URL. */
  static open(target: string, secrets: SecretBox): BridgeStore {
    return new BridgeStore(openDatabase(target), secrets, describeDatabase(target));
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
