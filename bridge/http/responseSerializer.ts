import type { FastifySerializerCompiler } from 'fastify';
import { serializerCompiler as encodingSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { compiledParse } from '../schemas/compiledParse';

/**
 * Fastify's serializer compiler for the routes' zod response schemas: every answer is checked
 * against its status's schema and written as JSON; an answer that does not match is refused
 * with the `ResponseSerializationError` fastify-type-provider-zod throws (a 500, logged).
 *
 * fastify-type-provider-zod checks with `safeEncode`, zod's interpreter run backward. Its
 * first run of a schema in a process builds the schema's internals and held the event loop
 * 13–18 ms for a 100-call page, in the second-0 stalls of bigstore (issue 16: no stall over
 * 50 ms; BENCHMARKS.md "Issue 16, item 3: zod's compiled parsers"). Here each response schema
 * is compiled with zod's ahead-of-time compiler (`z.compile`) when fastify compiles the route,
 * at boot before the API listens, and an answer is checked with that compiled forward parse.
 *
 * The compiled parse runs forward (decode), `safeEncode` backward: the two give the same
 * answer only for a schema whose every node means the same both ways (`readsTheSameBothWays`).
 * A schema with anything else keeps `safeEncode`. An answer
 * the compiled parse refuses goes through `safeEncode` too, so the error is today's, byte for
 * byte (a refused answer is a bug, not a hot path).
 */
export const responseSerializerCompiler: FastifySerializerCompiler<z.ZodType> = (route) => {
  const encoding = encodingSerializerCompiler(route);
  const compiled = compiledAnswerSchema(route.schema);
  if (compiled === null) return encoding;
  return (data: unknown) => {
    const checked = compiled.safeParse(data);
    return checked.success ? JSON.stringify(checked.data) : encoding(data);
  };
};

/**
 * The schema compiled for answers, or null when answers must keep `safeEncode`. Compiled once
 * per schema (schemas/compiledParse.ts: a route's `HEAD` shares its `GET`'s schemas and every
 * route the error schema); one zod refuses to compile comes back as it is, and its forward
 * parse still reads as `safeEncode` does by `readsTheSameBothWays`.
 */
export function compiledAnswerSchema(schema: unknown): z.ZodType | null {
  if (!(schema instanceof z.ZodType)) return null;
  return readsTheSameBothWays(schema) ? compiledParse(schema) : null;
}

/**
 * Node kinds whose forward parse and backward encode accept the same values and give the same
 * output: they only check and copy. Everything else differs by direction in zod 4
 * (zod/src/v4/core/schemas.ts, `ctx.direction`): `transform` and `success` throw backward,
 * `pipe` (and `preprocess`, codecs) runs its halves in the other order or its reverse,
 * `default`/`prefault`/`catch` fill in forward only, `readonly` freezes forward only; `lazy`
 * may recurse, which the compiler refuses anyway.
 */
const SAME_BOTH_WAYS = new Set([
  'string',
  'number',
  'boolean',
  'null',
  'undefined',
  'any',
  'unknown',
  'never',
  'literal',
  'enum',
  'array',
  'object',
  'union',
  'intersection',
  'tuple',
  'record',
  'optional',
  'nullable',
]);

/**
 * Whether every node of the schema is of a kind in `SAME_BOTH_WAYS` and none has an
 * `overwrite` check (`.trim()`, `.toLowerCase()`: they rewrite the value, before the parse
 * backward and after it forward).
 */
export function readsTheSameBothWays(schema: z.ZodType): boolean {
  const seen = new Set<z.core.$ZodType>();
  const pending: z.core.$ZodType[] = [schema];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const def = node._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    if (!SAME_BOTH_WAYS.has(def.type)) return false;
    if (def.checks?.some((check) => check._zod.def.check === 'overwrite')) return false;
    pending.push(...children(def));
  }
  return true;
}

function children(def: Record<string, unknown>): z.core.$ZodType[] {
  const found: unknown[] = [];
  switch (def.type) {
    case 'array':
      found.push(def.element);
      break;
    case 'object':
      found.push(...Object.values(def.shape as object), def.catchall);
      break;
    case 'union':
      found.push(...(def.options as unknown[]));
      break;
    case 'intersection':
      found.push(def.left, def.right);
      break;
    case 'tuple':
      found.push(...(def.items as unknown[]), def.rest);
      break;
    case 'record':
      found.push(def.keyType, def.valueType);
      break;
    case 'optional':
    case 'nullable':
      found.push(def.innerType);
      break;
  }
  return found.filter((child): child is z.core.$ZodType => child instanceof z.core.$ZodType);
}
