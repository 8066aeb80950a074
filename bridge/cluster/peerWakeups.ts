import { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * LISTEN for the other instances' wake-ups (Postgres only; the channels are in channels.ts):
 * new deliveries (their NOTIFY, sent at the commit of the transaction that stored them, wakes
 * this instance's delivery worker, so whichever instance is free sends them) and reads of a
 * PBX asked of the instance polling it. Asynchronous on the main thread with its own
 * connection; a lost connection is reopened after a pause (the worker also looks on its own
 * timer meanwhile, and an asker wakes the instances again while it waits).
 */
export class PeerWakeups {
  private client: Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: string,
    /** What to do when a channel is notified, by channel. */
    private readonly onWake: Readonly<Record<string, () => void>>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const client = new Client({
      connectionString: this.url,
      application_name: '3cx-bridge-listen',
    });
    client.on('notification', (message) => this.onWake[message.channel]?.());
    client.on('error', (error) => {
      this.logger.warn({ err: error.message }, 'the LISTEN connection failed; reconnecting');
      this.reconnectLater(client);
    });
    client.on('end', () => this.reconnectLater(client));
    try {
      await client.connect();
      for (const channel of Object.keys(this.onWake)) await client.query(`LISTEN ${channel}`);
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
