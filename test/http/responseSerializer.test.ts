import { ResponseSerializationError, serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { fillBigStore } from '../../bench/bigStore';
import type { ApiContext } from '../../bridge/http/apiContext';
import {
  compiledAnswerSchema,
  readsTheSameBothWays,
  responseSerializerCompiler,
} from '../../bridge/http/responseSerializer';
import type { Api } from '../../bridge/http/routeKit';
import { callRoutes } from '../../bridge/http/routes/callRoutes';
import { eventRoutes } from '../../bridge/http/routes/eventRoutes';
import { meRoutes } from '../../bridge/http/routes/meRoutes';
import { reportRoutes } from '../../bridge/http/routes/reportRoutes';
import { settingsRoutes } from '../../bridge/http/routes/settingsRoutes';
import { startTestBridge } from '../support/testBridge';

type Responses = Record<string, z.ZodType>;

/** The response schemas each route registers, by `METHOD url`, without starting an API. */
function responseSchemas(): Map<string, Responses> {
  const routes = new Map<string, Responses>();
  const record =
    (method: string) =>
    (url: string, options: { schema?: { response?: Responses } }): unknown => {
      if (options.schema?.response) routes.set(`${method} ${url}`, options.schema.response);
      return app;
    };
  const app = new Proxy({} as Api, {
    get: (_target, name) => record(String(name).toUpperCase()),
  });
  for (const routes of [callRoutes, eventRoutes, meRoutes, reportRoutes, settingsRoutes])
    routes(app, {} as ApiContext);
  return routes;
}

/** What a serializer makes of an answer: its text, or the error it refuses it with. */
function outcome(serialize: (data: unknown) => string, data: unknown): unknown {
  try {
    return { text: serialize(data) };
  } catch (error) {
    const refused = error as ResponseSerializationError;
    return {
      error: refused.constructor.name,
      code: refused.code,
      issues: (refused.cause as z.ZodError | undefined)?.issues,
    };
  }
}

const routeOf = (schema: z.ZodType, httpStatus = '200') => ({
  schema,
  method: 'GET',
  url: '/test',
  httpStatus,
});

/**
 * The API's answers are checked with each response schema compiled by zod (bridge/http/
 * responseSerializer.ts): the bytes must be those `safeEncode` (fastify-type-provider-zod's
 * serializer) wrote, and an answer that does not match is refused as before.
 */
describe('the response serializer', () => {
  const schemas = responseSchemas();

  it('answers representative routes byte for byte as safeEncode did', async () => {
    const t = await startTestBridge();
    try {
      const calls = 150;
      fillBigStore(t.bridge.store, t.locationId, {}, calls, Date.now());
      const listed = (await (
        await fetch(`${t.url}/v1/calls?limit=1`, {
          headers: { authorization: `Bearer ${t.apiKey}` },
        })
      ).json()) as { data: Array<{ id: string }> };
      const requests: Array<[string, string, number]> = [
        ['/v1/calls?limit=100', 'GET /v1/calls', 200],
        [`/v1/calls/${encodeURIComponent(listed.data[0].id)}`, 'GET /v1/calls/:id', 200],
        ['/v1/calls/no-such-call', 'GET /v1/calls/:id', 404],
        ['/v1/events?limit=0', 'GET /v1/events', 400],
        ['/v1/reports/follow-up?group=day', 'GET /v1/reports/follow-up', 200],
        ['/v1/source-lists', 'GET /v1/source-lists', 200],
        ['/v1/business-hours', 'GET /v1/business-hours', 200],
        ['/v1/me', 'GET /v1/me', 200],
      ];
      for (const [path, route, status] of requests) {
        const response = await fetch(`${t.url}${path}`, {
          headers: { authorization: `Bearer ${t.apiKey}` },
        });
        expect([path, response.status]).toEqual([path, status]);
        // The list pages are written in their turn and sent as text (apiContext.ts `answerPage`):
        // the same content type as the answers fastify serialises itself.
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const body = await response.text();
        const schema = schemas.get(route)![status];
        const answer: unknown = JSON.parse(body);
        expect(serializerCompiler(routeOf(schema, String(status)))(answer)).toBe(body);
        expect(responseSerializerCompiler(routeOf(schema, String(status)))(answer)).toBe(body);
        if (path.startsWith('/v1/calls?'))
          expect((answer as { data: unknown[] }).data).toHaveLength(100);
      }
    } finally {
      await t.close();
    }
  });

  it('checks the hot answers (calls, errors, source lists) with the compiled parse', () => {
    for (const [route, status] of [
      ['GET /v1/calls', 200],
      ['GET /v1/calls/:id', 200],
      ['GET /v1/calls', 400],
      ['GET /v1/source-lists', 200],
    ] as const)
      expect([route, compiledAnswerSchema(schemas.get(route)![status]) !== null]).toEqual([
        route,
        true,
      ]);
  });

  it('refuses an answer that does not match, with the error safeEncode gave', () => {
    const page = schemas.get('GET /v1/calls')![200];
    const compiled = responseSerializerCompiler(routeOf(page));
    const encoding = serializerCompiler(routeOf(page));
    for (const bad of [
      { data: [{ id: 'c1' }], next_cursor: null },
      { data: [], next_cursor: null, extra: 1 },
      { data: 'not a list', next_cursor: 3 },
    ]) {
      const refused = outcome(compiled, bad);
      expect(refused).toMatchObject({
        error: 'ResponseSerializationError',
        code: 'FST_ERR_RESPONSE_SERIALIZATION',
      });
      expect(refused).toEqual(outcome(encoding, bad));
    }
  });

  it('keeps safeEncode for a schema whose meaning depends on the direction', () => {
    // Each: a schema zod reads differently forward (the compiled parse) and backward
    // (safeEncode), and an answer on which the two would differ.
    const directional: Array<[string, z.ZodType, unknown]> = [
      ['default', z.strictObject({ test: z.boolean().default(false) }), {}],
      ['prefault', z.strictObject({ n: z.number().prefault(1) }), {}],
      ['catch', z.strictObject({ n: z.number().catch(0) }), { n: 'x' }],
      ['transform', z.strictObject({ n: z.string().transform((s) => s.length) }), { n: 'abc' }],
      ['pipe', z.strictObject({ n: z.string().pipe(z.coerce.number()) }), { n: '5' }],
      ['preprocess', z.strictObject({ n: z.preprocess((v) => Number(v), z.number()) }), { n: 2 }],
      [
        'codec',
        z.strictObject({
          at: z.codec(z.iso.datetime(), z.date(), {
            decode: (s) => new Date(s),
            encode: (d) => d.toISOString(),
          }),
        }),
        { at: new Date(0) },
      ],
      ['overwrite (trim)', z.strictObject({ s: z.string().trim() }), { s: ' a ' }],
      ['readonly', z.array(z.string()).readonly(), ['a']],
    ];
    for (const [kind, schema, answer] of directional) {
      expect([kind, readsTheSameBothWays(schema), compiledAnswerSchema(schema)]).toEqual([
        kind,
        false,
        null,
      ]);
      expect([kind, outcome(responseSerializerCompiler(routeOf(schema)), answer)]).toEqual([
        kind,
        outcome(serializerCompiler(routeOf(schema)), answer),
      ]);
    }
    // The default is where the two part: forward fills it in, backward refuses its absence.
    const defaulted = z.strictObject({ test: z.boolean().default(false) });
    expect(outcome(responseSerializerCompiler(routeOf(defaulted)), {})).toMatchObject({
      error: 'ResponseSerializationError',
    });
  });

  it('compiles a schema that only checks and copies, deep inside too', () => {
    const plain = z.strictObject({
      id: z.string().min(1),
      tags: z.array(z.enum(['a', 'b'])).optional(),
      owner: z.union([z.strictObject({ kind: z.literal('user'), n: z.number() }), z.null()]),
      fields: z.record(z.string(), z.string()),
      extra: z.looseObject({ x: z.tuple([z.number(), z.string().nullable()]) }),
    });
    expect(readsTheSameBothWays(plain)).toBe(true);
    expect(compiledAnswerSchema(plain)).not.toBeNull();
    const answer = {
      id: 'x',
      owner: { kind: 'user', n: 1 },
      fields: { a: 'b' },
      extra: { x: [1, null], y: true },
    };
    expect(responseSerializerCompiler(routeOf(plain))(answer)).toBe(
      serializerCompiler(routeOf(plain))(answer),
    );
    // One node that is not: the whole schema keeps safeEncode.
    const deep = plain.extend({ owner: z.strictObject({ n: z.number().default(0) }) });
    expect(readsTheSameBothWays(deep)).toBe(false);
  });
});
