import type { z } from 'zod';
import { ApiError } from './apiError';

/** Parse a request part with a zod schema; a failure is a 400 naming each field and reason. */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' = 'body',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw ApiError.fromZod(result.error, where);
  return result.data;
}
