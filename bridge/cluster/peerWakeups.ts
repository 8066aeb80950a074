import { Client } from 'pg';
import type { Logger } from 'pino';
import { DELIVERIES_CHANNEL } from './deliveriesChannel';

/**
 * LISTEN for other instances' new deliveries (Postgres only): their NOTIFY (sent at the commit
 * of the transaction that stored them) wakes this instance's delivery worker, so whichever
 * instance is free sends them. Asynchronous on the main thread with its own connection; a lost
 * connection is reopened after a pause (the worker also looks on its own timer meanwhile).
 */
export class PeerWakeups {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    private readonly onWake: () => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const client = new Client({
      connectionString: this.url,
      application_name: '3cx-bridge-listen',
    });
    client.on('notification', () => this.onWake());
    client.on('error', (error) => {
      this.logger.warn({ err: error.message }, 'the LISTEN connection failed; reconnecting');
      this.reconnectLater(client);
    });
    client.on('end', () => this.reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${DELIVERIES_CHANNEL}`);
      this.client = client;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'LISTEN failed; retrying');
      this.reconnectLater(client);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private reconnectLater(client: Client): void {
    if (this.stopped || this.retry) return;
    if (this.client === client) this.client = null;
    void client.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 2000);
    this.retry.unref();
  }
}
