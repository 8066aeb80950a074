import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a `JsonEndpoint` received. */
export interface EndpointRequest {
  method: string;
  /** Path and query, exactly as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A stand-in for a CRM's HTTP API on 127.0.0.1, for testing the template runner itself: it
 * records each request and answers the JSON the test chooses.
 */
export interface JsonEndpoint {
  url: string;
  requests: EndpointRequest[];
  answer: (request: EndpointRequest) => { status?: number; json?: unknown; delayMs?: number };
  close(): Promise<void>;
}

export async function startJsonEndpoint(): Promise<JsonEndpoint> {
  const endpoint: JsonEndpoint = {
    url: '',
    requests: [],
    answer: () => ({ json: {} }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: EndpointRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      endpoint.requests.push(request);
      const answer = endpoint.answer(request);
      const send = () => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.json ?? {}));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return endpoint;
}
