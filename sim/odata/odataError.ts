/**
 * Errors as the XAPI answers them: the OData error shape `{"error":{"code":"","message":…,
 * "details":[…]}}` (docs/xapi-schemas.md §2.10). 3CX puts a warning key in `details[].message` with
 * the offending field as `target`, and `"<target>:\n<KEY>"` as the main message (§5).
 */
export interface ODataErrorDetail {
  code: string;
  message: string;
  target?: string;
}

export interface ODataErrorBody {
  error: { code: string; message: string; details: ODataErrorDetail[] };
}

export function odataErrorBody(message: string, details: ODataErrorDetail[] = []): ODataErrorBody {
  return { error: { code: '', message, details } };
}

/** An XAPI answer other than 200: thrown by handlers, written by the server's error handler. */
export class XapiError extends Error {
  override name = 'XapiError';

  constructor(
    readonly status: number,
    message: string,
    readonly details: ODataErrorDetail[] = [],
  ) {
    super(message);
  }

  body(): ODataErrorBody {
    return odataErrorBody(this.message, this.details);
  }
}

/** 404: wrong URL, or a function parameter missing or unknown (docs/3cx-facts.md §1.3 [obs luxzg]). */
export function notFound(message: string): XapiError {
  return new XapiError(404, message);
}

/** 400: an OData query option the service cannot apply. */
export function badQuery(message: string, target?: string): XapiError {
  return new XapiError(400, target ? `${target}:\n${message}` : message, [
    { code: '', message, ...(target ? { target } : {}) },
  ]);
}

/** 500: a parameter of the wrong type or format (docs/3cx-facts.md §1.3 [obs luxzg]). */
export function invalidParameter(name: string, reason: string): XapiError {
  return new XapiError(500, `${name}:\nWARNINGS.XAPI.INVALID`, [
    { code: '', message: 'WARNINGS.XAPI.INVALID', target: name },
    { code: '', message: reason, target: name },
  ]);
}

/** 403: the API client's role may not read this (docs/3cx-facts.md §1.1). */
export function forbidden(message: string): XapiError {
  return new XapiError(403, message, [{ code: '', message: 'WARNINGS.XAPI.FORBIDDEN' }]);
}
