import type { DatabaseSync } from 'node:sqlite';
import type { SecretBox } from '../secrets/secretBox';
import { ApiKeyRepo } from './apiKeys';
import { CallRepo } from './calls';
import { ContactRepo } from './contacts';
import { inTransaction, openDatabase } from './database';
import { DeliveryRepo } from './deliveries';
import { FollowUpRepo } from './followUps';
import { LocationRepo } from './locations';
import { EventOutbox } from './outbox';
import { PollerStateRepo } from './pollerStates';
import { ReportRepo } from './reports';
import { SubscriptionRepo } from './subscriptions';

/** The bridge's store: one SQLite database, one repository per kind of record. */
export class BridgeStore {
  readonly locations: LocationRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly subscriptions: SubscriptionRepo;
  readonly calls: CallRepo;
  readonly events: EventOutbox;
  readonly deliveries: DeliveryRepo;
  readonly pollerStates: PollerStateRepo;
  readonly contacts: ContactRepo;
  readonly followUps: FollowUpRepo;
  readonly reports: ReportRepo;

  constructor(
    readonly db: DatabaseSync,
    secrets: SecretBox,
    /** The database file (for messages that must say which database they looked in). */
    readonly path = ':memory:',
  ) {
    this.locations = new LocationRepo(db, secrets);
    this.apiKeys = new ApiKeyRepo(db);
    this.subscriptions = new SubscriptionRepo(db, secrets);
    this.calls = new CallRepo(db);
    this.events = new EventOutbox(db);
    this.deliveries = new DeliveryRepo(db);
    this.pollerStates = new PollerStateRepo(db);
    this.contacts = new ContactRepo(db);
    this.followUps = new FollowUpRepo(db);
    this.reports = new ReportRepo(db);
  }

  static open(path: string, secrets: SecretBox): BridgeStore {
    return new BridgeStore(openDatabase(path), secrets, path);
  }

  transaction<T>(work: () => T): T {
    return inTransaction(this.db, work);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
