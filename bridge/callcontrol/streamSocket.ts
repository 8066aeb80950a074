import WebSocket from 'ws';

/**
 * One connection to `wss://host/callcontrol/ws` (docs/3cx-facts.md §2.2): `Authorization:
 * Bearer`, no parameters, no subscribe message. A ping every `pingMs`; no pong within
 * `pongTimeoutMs` means the connection hangs (a stalled socket answers nothing) and it is cut.
 * Whatever ends it, `onClose` is called once.
 */
export interface StreamSocketOptions {
  url: string;
  token: string;
  allowSelfSignedTls: boolean;
  pingMs: number;
  pongTimeoutMs: number;
  /** Give up opening after this long. */
  openTimeoutMs: number;
  onMessage: (data: string) => void;
  onClose: (reason: string) => void;
}

export type OpenResult = { ok: true } | { ok: false; status: number | null; reason: string };

export class StreamSocket {
  private readonly ws: WebSocket;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongDeadline: NodeJS.Timeout | null = null;
  private closed = false;
  readonly opened: Promise<OpenResult>;

  constructor(private readonly options: StreamSocketOptions) {
    this.ws = new WebSocket(options.url, {
      headers: { authorization: `Bearer ${options.token}` },
      rejectUnauthorized: !options.allowSelfSignedTls,
      handshakeTimeout: options.openTimeoutMs,
      maxPayload: 1024 * 1024,
    });
    this.opened = new Promise((resolve) => {
      this.ws.once('open', () => {
        this.startPings();
        resolve({ ok: true });
      });
      this.ws.once('unexpected-response', (_request, response) => {
        resolve({
          ok: false,
          status: response.statusCode ?? null,
          reason: `HTTP ${response.statusCode}`,
        });
        this.ws.terminate();
      });
      this.ws.once('error', (error) => resolve({ ok: false, status: null, reason: error.message }));
      this.ws.once('close', () => resolve({ ok: false, status: null, reason: 'closed' }));
    });
    this.ws.on('message', (data) => this.options.onMessage(data.toString()));
    this.ws.on('pong', () => {
      if (this.pongDeadline) clearTimeout(this.pongDeadline);
      this.pongDeadline = null;
    });
    this.ws.on('error', () => undefined);
    this.ws.on('close', (code, reason) =>
      this.finish(`closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`),
    );
  }

  /** Cut the connection (no close handshake: we are done with it). */
  terminate(reason: string): void {
    this.ws.terminate();
    this.finish(reason);
  }

  private startPings(): void {
    this.pingTimer = setInterval(() => {
      if (this.pongDeadline) return;
      this.pongDeadline = setTimeout(
        () => this.terminate('no pong: the connection hangs'),
        this.options.pongTimeoutMs,
      );
      this.pongDeadline.unref();
      try {
        this.ws.ping();
      } catch {
        this.terminate('ping failed');
      }
    }, this.options.pingMs);
    this.pingTimer.unref();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pongDeadline) clearTimeout(this.pongDeadline);
    this.options.onClose(reason);
  }
}
