import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CALL_EVENT_TYPES } from '../../lib/callEvent';
import { api } from '../support/bridgeApi';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * `GET /v1/openapi.json`: the document fastify builds from the routes' zod schemas. It must be
 * a valid OpenAPI document, list exactly the routes docs/api.md documents, and describe what
 * the API really answers.
 */
let t: TestBridge;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let document: any;

beforeAll(async () => {
  t = await startTestBridge();
  const res = await fetch(`${t.url}/v1/openapi.json`);
  expect(res.status).toBe(200);
  document = await res.json();
});
afterAll(() => t.close());

/** `METHOD /path` of every route docs/api.md documents (headings and the 3CX table). */
function documentedRoutes(): string[] {
  const text = readFileSync(join(__dirname, '../../docs/api.md'), 'utf8');
  const routes = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('### ') && !line.startsWith('| `')) continue;
    for (const match of line.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)/g))
      routes.add(`${match[1]} ${match[2].replace(/:(\w+)/g, '{$1}')}`);
  }
  return [...routes].sort();
}

function routesIn(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: t.url }]);
  });

  it('lists every route docs/api.md documents, and no other', () => {
    const documented = documentedRoutes();
    expect(documented.length).toBeGreaterThan(15);
    expect(routesIn(document)).toEqual(documented);
  });

  it('asks for the API key on /v1 and /3cx routes, not on health, metrics or itself', () => {
    for (const [path, item] of Object.entries(document.paths as Record<string, object>)) {
      for (const [method, operation] of Object.entries(item)) {
        const open = ['/healthz', '/v1/openapi.json'].includes(path);
        expect([method, path, operation.security]).toEqual([
          method,
          path,
          open
            ? undefined
            : path === '/metrics'
              ? [{}, { metricsToken: [] }] // open, or the bridge's metrics token when it sets one
              : [{ apiKey: [] }],
        ]);
        // Every route can meet a rate limit; a template-only key gets 403 on every /v1 route.
        if (!open && path !== '/metrics') {
          expect([path, Object.keys(operation.responses)]).toEqual([
            path,
            expect.arrayContaining(['401', '429']),
          ]);
          if (path.startsWith('/v1/'))
            expect([path, Object.keys(operation.responses)]).toEqual([
              path,
              expect.arrayContaining(['403']),
            ]);
        }
      }
    }
    expect(document.components.securitySchemes.apiKey).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('describes the event every consumer receives, with every key required', () => {
    const event = document.components.schemas.CallEvent;
    expect(event.additionalProperties).toBe(false);
    for (const key of ['id', 'event', 'call_id', 'caller_number', 'next_open_at', 'location'])
      expect(event.required).toContain(key);
    expect(event.properties.event.enum).toEqual([...CALL_EVENT_TYPES]);
  });

  it('documents the feed filters as query parameters and the errors as one shape', () => {
    const feed = document.paths['/v1/events'].get;
    expect(feed.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'event',
        'limit',
        'cursor',
        'source_list',
        'business_hours',
        'skip_voicemail_left',
        'repeat',
        'exclude_known_contacts',
      ]),
    );
    expect(feed.responses['400'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Error',
    });
    expect(document.components.schemas.Error.required).toEqual(['error', 'message']);
  });

  it('needs no key, and a bad query is still the API error shape naming the field', async () => {
    expect((await fetch(`${t.url}/v1/openapi.json`)).status).toBe(200);
    const bad = await api(t.url, t.apiKey, 'GET', '/v1/events?limit=0&colour=red');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      error: 'invalid_request',
      message: expect.stringMatching(/limit: .*; query: Unrecognized key: "colour"/),
      details: [
        { path: 'limit', message: expect.any(String) },
        { path: 'query', message: 'Unrecognized key: "colour"' },
      ],
    });
  });
});
