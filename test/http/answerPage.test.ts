import type { ApiContext } from '../../bridge/http/apiContext';
import type { Api } from '../../bridge/http/routeKit';
import { callRoutes } from '../../bridge/http/routes/callRoutes';
import { eventRoutes } from '../../bridge/http/routes/eventRoutes';
import type { WorkTurns } from '../../bridge/workTurns';

type Handler = (request: unknown, reply: unknown) => Promise<unknown>;

/**
 * A list page's whole work runs in its turn of the page line (bridge/http/apiContext.ts
 * `answerPage`): the store read, the records' mapping and the answer's serialisation, none of it
 * after the turn, where the line's budget does not count it (issue 16 item 3).
 */
describe("a list page's answer", () => {
  /** The routes' GET handlers by url, without starting an API. */
  function getHandlers(ctx: ApiContext): Map<string, Handler> {
    const handlers = new Map<string, Handler>();
    const app = new Proxy({} as Api, {
      get:
        (_target, method) =>
        (url: string, _options: unknown, handler: Handler): unknown => {
          if (method === 'get') handlers.set(url, handler);
          return app;
        },
    });
    callRoutes(app, ctx);
    eventRoutes(app, ctx);
    return handlers;
  }

  /** A page line that says when a turn runs, a reply that records what was sent. */
  function turnsAndReply() {
    const state = {
      inTurn: false,
      turns: 0,
      sent: [] as unknown[],
      serialisedInTurn: [] as boolean[],
    };
    const pageTurns = {
      run: async <T>(work: () => Promise<T>): Promise<T> => {
        state.turns++;
        state.inTurn = true;
        try {
          return await work();
        } finally {
          state.inTurn = false;
        }
      },
    } as unknown as WorkTurns;
    const reply = {
      serialize: (answer: unknown) => {
        state.serialisedInTurn.push(state.inTurn);
        return JSON.stringify(answer);
      },
      type: () => reply,
      send: (text: unknown) => {
        state.sent.push(text);
        return reply;
      },
    };
    return { state, pageTurns, reply };
  }

  const request = (query: object) => ({ query, location: { id: 'loc-1', country: 'US' } });

  it('writes the calls list with the route serializer inside its turn', async () => {
    const { state, pageTurns, reply } = turnsAndReply();
    const ctx = {
      pageTurns,
      publicUrl: () => 'https://bridge.example',
      store: { calls: { list: () => ({ calls: [], nextCursor: 'c2' }) } },
    } as unknown as ApiContext;
    await getHandlers(ctx).get('/v1/calls')!(request({ limit: 100 }), reply);
    expect(state.turns).toBe(1);
    expect(state.serialisedInTurn).toEqual([true]);
    expect(state.sent).toEqual(['{"data":[],"next_cursor":"c2"}']);
  });

  it("writes the feed's page text inside its turn", async () => {
    const { state, pageTurns, reply } = turnsAndReply();
    const writtenInTurn: boolean[] = [];
    const page = {
      get events() {
        writtenInTurn.push(state.inTurn);
        return [{ text: '{"id":"e1"}', suppressed: false, suppressedReason: null }];
      },
      nextCursor: null,
    };
    const ctx = {
      pageTurns,
      store: { events: { feedTexts: () => page } },
    } as unknown as ApiContext;
    await getHandlers(ctx).get('/v1/events')!(request({ limit: 100 }), reply);
    expect(state.turns).toBe(1);
    expect(writtenInTurn).toEqual([true]);
    expect(state.sent).toEqual(['{"data":[{"id":"e1"}],"next_cursor":null}']);
  });
});
