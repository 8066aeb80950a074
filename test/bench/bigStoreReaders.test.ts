import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ApiClient, nextCursorOf } from '../../bench/bigStoreReaders';
import { feedPageText } from '../../bridge/http/routes/eventRoutes';

/**
 * The bigstore bench's API readers read pages with a client of their own instead of `fetch` and
 * `response.json()` (bench/bigStoreReaders.ts): cheaper on the bridge's cores, and the bridge
 * must see the same requests, the latency must still run to the end of each body, and the
 * paging must follow the same cursors.
 */
describe('the bigstore readers’ client', () => {
  /** A server that records each request's head as it came and answers `{}`. */
  async function recorder(): Promise<{ server: Server; url: string; heads: string[] }> {
    const heads: string[] = [];
    const server = createServer((socket) => {
      let pending = '';
      socket.on('data', (data) => {
        pending += data.toString('latin1');
        for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
          heads.push(pending.slice(0, end + 4));
          pending = pending.slice(end + 4);
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, heads };
  }

  it('sends the bytes fetch sends, request after request on one connection', async () => {
    const { server, url, heads } = await recorder();
    const client = new ApiClient(url, 'key_abc');
    try {
      const path = '/v1/events?limit=100&cursor=a%2Bb';
      for (let i = 0; i < 2; i++) {
        await (
          await fetch(`${url}${path}`, { headers: { authorization: 'Bearer key_abc' } })
        ).text();
        expect((await client.get(path)).toString()).toBe('{}');
      }
      expect(heads).toHaveLength(4);
      expect(heads[1]).toBe(heads[0]);
      expect(heads[3]).toBe(heads[2]);
      expect(heads[0]).toMatch(/^GET \/v1\/events\?limit=100&cursor=a%2Bb HTTP\/1\.1\r\n/);
    } finally {
      client.close();
      server.close();
    }
  });

  describe('a body in two parts', () => {
    let server: HttpServer;
    let url: string;
    let restSent = false;
    beforeAll(async () => {
      server = createHttpServer((request, response) => {
        const status = request.url === '/missing' ? 404 : 200;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.write('{"data":[');
        setTimeout(() => {
          restSent = true;
          response.end('],"next_cursor":null}');
        }, 50);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      server.closeAllConnections();
      server.close();
    });

    it('is answered once it has ended, whole', async () => {
      restSent = false;
      const client = new ApiClient(url, 'k');
      try {
        const body = await client.get('/v1/events');
        expect(restSent).toBe(true);
        expect(body.toString()).toBe('{"data":[],"next_cursor":null}');
      } finally {
        client.close();
      }
    });

    it('is an error unless the status is 200', async () => {
      const client = new ApiClient(url, 'k');
      try {
        await expect(client.get('/missing')).rejects.toThrow('/missing: HTTP 404');
      } finally {
        client.close();
      }
    });
  });

  describe('nextCursorOf', () => {
    const event = (id: string, extra = '') =>
      `{"id":"${id}","event":"call.missed","data":{"caller":"+61 8 8000 0000"${extra}}}`;
    const page = (nextCursor: string | null, texts = [event('evt_1'), event('evt_2')]) =>
      Buffer.from(
        feedPageText({
          events: texts.map((text, i) => ({
            text,
            suppressed: i === 1,
            suppressedReason: i === 1 ? 'duplicate' : null,
          })),
          nextCursor,
        }),
      );
    const parsed = (body: Buffer) =>
      (JSON.parse(body.toString()) as { next_cursor: string | null }).next_cursor;

    it.each([
      ['a cursor', page('MjAyNi0xMi0wNVQyMDowMDowMC4wMDBafGV2dF8x')],
      ['no older page', page(null)],
      ['a cursor with characters JSON escapes', page('a"b\\c/d\u00e9')],
      ['an empty page', page(null, [])],
      [
        'an item holding the same key',
        page('c2', [event('evt_1', ',"next_cursor":"inner","x":"\\"next_cursor\\":\\"s\\""')]),
      ],
      ['the members in another order', Buffer.from('{"next_cursor":"c3","data":[{"a":1}]}')],
      ['another member after it', Buffer.from('{"data":[],"next_cursor":"c4","more":{}}')],
    ])('%s: the cursor JSON.parse reads', (_name, body) => {
      expect(nextCursorOf(body)).toBe(parsed(body));
    });
  });
});
