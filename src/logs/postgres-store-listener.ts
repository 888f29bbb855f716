/**
 * The one LISTENing connection of a PostgreSQL log store. Notifications come only to a session that is
 * listening, so this client is kept apart from the pool; when it drops it reconnects with backoff, and
 * tells the store, whose waiters then re-read rather than trust that they missed nothing.
 */
import { Client, type ClientConfig } from 'pg';

const firstRetryMs = 250;
const lastRetryMs = 10_000;

export interface ListenerEvents {
  notification(payload: string): void;
  /** After a reconnection: notifications sent while disconnected are lost. */
  reconnected(): void;
}

export class NotificationListener {
  private client: Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = firstRetryMs;

  constructor(
    private readonly config: ClientConfig,
    /** A constant identifier of ours, never input (LISTEN takes no parameters). */
    private readonly channel: string,
    private readonly events: ListenerEvents,
  ) {}

  /** Connects and listens; rejects if the first connection fails (the store then fails to open). */
  async start(): Promise<void> {
    await this.connect();
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    client.on('notification', (message) => this.events.notification(message.payload ?? ''));
    // A broken connection emits 'error' and/or 'end'; either way it is replaced.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryDelayMs = firstRetryMs;
  }

  private lost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().then(
        () => {
          if (this.client) this.events.reconnected();
        },
        () => this.scheduleReconnect(),
      );
    }, this.retryDelayMs);
    this.retryTimer.unref();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, lastRetryMs);
  }
}
