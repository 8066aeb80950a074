import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SeededRandom } from '../seededRandom';
import { CALL_CONTROL_SOCKET_PATH, type SimFault, type SimFaults } from '../simFaults';
import type { TokenIssuer } from '../tokenIssuer';
import type { CallControlState, ParticipantChange } from './callControlState';

/**
 * `wss://host/callcontrol/ws` (docs/3cx-facts.md §2.2): bearer token in the `Authorization`
 * header, no parameters, no subscribe message; events for the client's monitored DNs flow as
 * soon as the socket is open, one frame each:
 *
 *     {"sequence": 42, "event": {"event_type": 0, "entity": "/callcontrol/101/participants/7", "attached_data": null}}
 *
 * `event_type` 0 is an upsert (no data: the client GETs the entity), 1 a remove. Quirks of §2.4
 * played here: identical upserts repeat (a seeded share of upserts is sent twice); there are no
 * timestamps; a DN not monitored gives no events at all (so a caller who hangs up in an IVR or
 * a queue before a monitored phone rings produces nothing). No resume (§2.5): what happens while
 * a socket is down is never replayed, `sequence` counts per socket.
 */
export const EVENT_TYPE = { upsert: 0, remove: 1 } as const;

interface StreamSocket {
  socket: WebSocket;
  clientId: string;
  sequence: number;
  /** Silent for good: no frames, no pongs (`streamStall`). */
  stalled: boolean;
}

export interface CallControlStreamOptions {
  state: CallControlState;
  tokens: TokenIssuer;
  faults: SimFaults;
  random: SeededRandom;
  /** Share of upserts sent twice (default 0.25). */
  duplicateUpserts: number;
  /** Real ms between looks at the clock (default 20). */
  tickMs?: number;
}

export class CallControlStream {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly sockets = new Set<StreamSocket>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: CallControlStreamOptions) {
    // The timer only feeds open sockets: with none, nobody can see a change as it happens, and
    // the view is brought to now when a socket opens or a REST route answers (issue 16: 200
    // idle PBXs spent a tenth of the bench host's CPU planning participants nobody watched).
    this.timer = setInterval(() => {
      if (this.sockets.size > 0) this.tick();
    }, options.tickMs ?? 20);
    this.timer.unref();
    options.faults.onInjected((fault) => this.faultStarted(fault));
  }

  /** Sockets open now, per client (the control API shows them). */
  openSockets(): Array<{ clientId: string; stalled: boolean; sequence: number }> {
    return [...this.sockets].map((s) => ({
      clientId: s.clientId,
      stalled: s.stalled,
      sequence: s.sequence,
    }));
  }

  /** Move the view to now and send what changed; REST routes call it before answering too. */
  tick(): void {
    if (this.closed) return;
    const changes = this.options.state.advance();
    if (changes.length === 0 || this.sockets.size === 0) return;
    for (const change of changes) this.send(change);
  }

  /** The HTTP server's `upgrade` event: only `/callcontrol/ws`, authenticated as the REST API. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? '/').split('?')[0];
    if (this.closed || path !== CALL_CONTROL_SOCKET_PATH) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const decision = this.options.faults.decide(path);
    const act = () => {
      switch (decision.action.kind) {
        case 'destroy':
          socket.destroy();
          return;
        case 'unauthorized':
          refuse(socket, 401, 'Unauthorized');
          return;
        case 'status':
          refuse(socket, decision.action.status, 'Refused');
          return;
        case 'none':
          this.accept(request, socket, head);
      }
    };
    if (decision.delayMs > 0) setTimeout(act, decision.delayMs).unref();
    else act();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const s of this.sockets) s.socket.terminate();
    this.sockets.clear();
    this.server.close();
  }

  private accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const check = this.options.tokens.check(request.headers.authorization);
    if (!check.ok) {
      refuse(socket, 401, 'Unauthorized');
      return;
    }
    if (!check.client.callControl) {
      refuse(socket, 403, 'Forbidden');
      return;
    }
    const clientId = check.client.clientId;
    this.server.handleUpgrade(request, socket, head, (ws) => {
      // What changed before this socket opened is the past: not sent (no resume, §2.5).
      this.tick();
      const entry: StreamSocket = { socket: ws, clientId, sequence: 0, stalled: false };
      this.sockets.add(entry);
      ws.on('close', () => this.sockets.delete(entry));
      ws.on('error', () => ws.terminate());
      // Requests over the socket (`{RequestID, Path, RequestData}`, §2.2) are not needed for
      // events; anything sent is read and ignored.
      ws.on('message', () => undefined);
      if (this.options.faults.isActive('streamStall')) this.stall(entry);
    });
  }

  private send(change: ParticipantChange): void {
    const entity = `/callcontrol/${change.dn}/participants/${change.id}`;
    const type = change.kind === 'upsert' ? EVENT_TYPE.upsert : EVENT_TYPE.remove;
    for (const s of this.sockets) {
      if (s.stalled || s.socket.readyState !== s.socket.OPEN) continue;
      // The monitored list is read live: an admin may change it while sockets are open.
      const monitor = this.options.tokens.client(s.clientId)?.callControl?.monitor ?? [];
      if (!monitor.includes(change.dn)) continue;
      const copies =
        type === EVENT_TYPE.upsert && this.options.random.chance(this.options.duplicateUpserts)
          ? 2
          : 1;
      for (let i = 0; i < copies; i++) {
        s.sequence++;
        s.socket.send(
          JSON.stringify({
            sequence: s.sequence,
            event: { event_type: type, entity, attached_data: null },
          }),
        );
      }
    }
  }

  private faultStarted(fault: SimFault): void {
    switch (fault.kind) {
      case 'streamDrop':
        // Cut, not closed: the client sees the TCP connection die, as after a network fault.
        for (const s of this.sockets) s.socket.terminate();
        this.sockets.clear();
        return;
      case 'streamStall':
        for (const s of this.sockets) this.stall(s);
        return;
      case 'unauthorizedStorm':
        // Every token was revoked: the PBX ends the sessions that used them [inf, §7 q2].
        for (const s of this.sockets) s.socket.close(1008, 'token revoked');
        return;
      default:
        return;
    }
  }

  private stall(entry: StreamSocket): void {
    entry.stalled = true;
    // Stop reading: pings go unanswered, as on a connection that hangs.
    entry.socket.pause();
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
