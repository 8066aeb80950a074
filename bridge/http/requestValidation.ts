import type { FastifySchemaCompiler } from 'fastify';
import type { z } from 'zod';
import { ApiError } from './apiError';

/**
 * Fastify's validator compiler for the routes' zod schemas (`schema.params`, `querystring`,
 * `body`): the parsed value replaces the request part; a failure is a 400 `invalid_request`
 * naming each field and reason (docs/api.md). Fastify validates params, then body, then
 * query, after the `onRequest` hooks: a request without a valid key is a 401 first.
 *
 * Text must be valid Unicode before the schema sees it: JSON may escape a lone surrogate
 * (`"\ud800"`), which the database would silently store as U+FFFD, so what was accepted would
 * not be what was sent.
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const where = httpPart === 'querystring' ? 'query' : (httpPart ?? 'body');
  return (value: unknown) => {
    const illFormed = illFormedTextPath(value);
    if (illFormed !== null) {
      const path = illFormed === '' ? where : illFormed;
      const message = 'must be valid Unicode text (it contains a lone surrogate)';
      return {
        error: new ApiError(400, 'invalid_request', `${path}: ${message}`, [{ path, message }]),
      };
    }
    const result = schema.safeParse(value);
    if (!result.success) return { error: ApiError.fromZod(result.error, where) };
    return { value: result.data };
  };
};

/** In a `u` pattern a surrogate pair is one code point: only an unpaired half is `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The path (`a.b.0`) of the first string or key that is not well-formed UTF-16, or null.
 * Iterative: a body may nest deeper than the call stack.
 */
function illFormedTextPath(value: unknown): string | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path;
    } else if (v !== null && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (LONE_SURROGATE.test(key)) return childPath;
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return null;
}
