import type { ZodError } from 'zod';

/** An error the API answers with its own status and body: `{error, message, details?}`. */
export class ApiError extends Error {
  /** Headers the answer carries (`Retry-After` on a 429). */
  headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'not_found', `${what} not found.`);
  }

  static unauthorized(
    message = 'A valid API key is required: send it as "Authorization: Bearer <key>".',
  ): ApiError {
    return new ApiError(401, 'unauthorized', message);
  }

  /** 403: the key is valid but may not use this route (a template-only key on /v1). */
  static forbidden(message: string): ApiError {
    return new ApiError(403, 'forbidden', message);
  }

  /** 429 with `Retry-After`, so Zapier (ThrottledError) and others know when to come back. */
  static rateLimited(message: string, retryAfterSeconds: number): ApiError {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    const error = new ApiError(429, 'rate_limited', `${message} Try again in ${seconds} s.`);
    error.headers = { 'retry-after': String(seconds) };
    return error;
  }

  /** A 400 naming each field; `where` (body, query, params) names an issue about the whole part. */
  static fromZod(error: ZodError, where = 'body'): ApiError {
    const details = error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join('.') : where,
      message: issue.message,
    }));
    return new ApiError(
      400,
      'invalid_request',
      details.map((d) => `${d.path}: ${d.message}`).join('; '),
      details,
    );
  }
}
