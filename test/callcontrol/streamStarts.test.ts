import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import {
  CallControlService,
  STREAM_STARTS_PER_TURN,
} from '../../bridge/callcontrol/callControlService';
import type { LocationIngest } from '../../bridge/ingest/locationIngest';
import type { BridgeStore } from '../../bridge/store/bridgeStore';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import type { ThreeCxClient } from '../../lib/threecx/client';
import { openTestStore } from '../store/support';

/**
 * The bridge's start with many locations streaming: every stream connects, but no more than
 * `STREAM_STARTS_PER_TURN` begin (ask for their token) in one turn of the event loop, so twenty
 * connects are not one long iteration (BENCHMARKS.md "Issue 16 item 3, sixth round"). A
 * Call Control socket server on 127.0.0.1 (a port the test picks) accepts every stream; the
 * snapshot is an empty PBX.
 */
const LOCATIONS = 20;

describe('Call Control streams at start', () => {
  let store: BridgeStore;
  let close: () => void;
  let server: WebSocketServer;
  let pbxUrl: string;
  let service: CallControlService | null = null;
  /** Incremented once per turn of the event loop while `ticking`. */
  let turn = 0;
  let ticking = false;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };

  beforeEach(async () => {
    ({ store, close } = await openTestStore('sqlite'));
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/callcontrol/ws' });
    await new Promise((resolve) => server.once('listening', resolve));
    pbxUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    ticking = false;
    await service?.stop();
    service = null;
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
    close();
  });

  /**
   * The service with `LOCATIONS` streaming locations; a stream's first token request (its
   * connect beginning) notes the turn it came in.
   */
  function serviceWithLocations(tokenTurns: number[]): {
    service: CallControlService;
    ids: string[];
    ensureAll(): void;
  } {
    const s = new CallControlService({
      store,
      registry: new Registry(),
      now: Date.now,
      logger: pino({ level: 'silent' }),
      eventsStored: () => undefined,
    });
    const transport: HttpTransport = {
      request: () => Promise.resolve({ status: 200, headers: {}, body: [] }),
    };
    const locations = Array.from({ length: LOCATIONS }, (_, i) =>
      store.locations.create(
        { name: `Office ${i}`, country: 'au', timezone: 'Australia/Sydney' },
        new Date(),
      ),
    );
    const asked = new Set<string>();
    const ensureAll = () => {
      for (const location of locations) {
        const tokens = {
          accessToken: () => {
            if (!asked.has(location.id)) tokenTurns.push(turn);
            asked.add(location.id);
            return Promise.resolve(`token-${location.id}`);
          },
          renewAfterRejection: () => Promise.resolve(`token-${location.id}`),
        };
        const client = { pbxUrl, tokens } as unknown as ThreeCxClient;
        s.ensure(location, { client, transport, ingest: {} as LocationIngest });
      }
    };
    return { service: s, ids: locations.map((l) => l.id), ensureAll };
  }

  const perTurn = (turns: number[]) => {
    const counts = new Map<number, number>();
    for (const t of turns) counts.set(t, (counts.get(t) ?? 0) + 1);
    return [...counts.values()];
  };

  async function allConnected(s: CallControlService, ids: string[]): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!ids.every((id) => s.statusOf(id)?.state === 'connected')) {
      if (Date.now() > deadline)
        throw new Error(
          `not connected: ${ids.filter((id) => s.statusOf(id)?.state !== 'connected').length}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Every stream connected, no more than a turn's share of them begun in any one turn. */
  async function spreadAndConnected(tokenTurns: number[], ids: string[]): Promise<void> {
    await allConnected(service!, ids);
    expect(tokenTurns).toHaveLength(ids.length);
    expect(Math.max(...perTurn(tokenTurns))).toBeLessThanOrEqual(STREAM_STARTS_PER_TURN);
    expect(server.clients.size).toBe(ids.length);
  }

  it('starts the streams of every location a few per turn of the event loop, and all connect', async () => {
    const tokenTurns: number[] = [];
    const made = serviceWithLocations(tokenTurns);
    service = made.service;
    made.ensureAll();
    expect(tokenTurns).toEqual([]); // not started yet: ensure() only sets them up
    ticking = true;
    setImmediate(tick);
    service.start();
    // The first streams start at once: the bridge's start does not delay them.
    expect(tokenTurns).toHaveLength(STREAM_STARTS_PER_TURN);
    await spreadAndConnected(tokenTurns, made.ids);
  });

  it('spreads streams of locations added while running the same way', async () => {
    const tokenTurns: number[] = [];
    const made = serviceWithLocations(tokenTurns);
    service = made.service;
    service.start();
    ticking = true;
    setImmediate(tick);
    made.ensureAll();
    expect(tokenTurns).toHaveLength(STREAM_STARTS_PER_TURN);
    await spreadAndConnected(tokenTurns, made.ids);
  });

  it('does not start a stream stopped while it waited for its turn', async () => {
    const tokenTurns: number[] = [];
    const made = serviceWithLocations(tokenTurns);
    service = made.service;
    made.ensureAll();
    ticking = true;
    setImmediate(tick);
    service.start();
    // The last location goes away before its stream's turn came.
    const kept = made.ids.slice(0, -1);
    service.retain(new Set(kept));
    await spreadAndConnected(tokenTurns, kept);
    // Its turn has long passed: it never asked for a token.
    const later = turn + LOCATIONS;
    while (turn < later) await new Promise((r) => setImmediate(r));
    expect(tokenTurns).toHaveLength(LOCATIONS - 1);
    expect(service.statusOf(made.ids[LOCATIONS - 1])).toBeNull();
  });
});
