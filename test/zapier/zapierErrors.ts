/**
 * What a Zapier user would read from an error an app throws. `z.errors.Error` carries
 * `{message, code, status}` as JSON in its message (core `src/errors.js`); the other kinds
 * (`ExpiredAuthError`, `HaltedError`…) carry the text as is.
 */
export interface ShownError {
  name: string;
  message: string;
  code?: string;
  status?: number;
}

export async function shownError(promise: Promise<unknown>): Promise<ShownError> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'AppError' || e.name === 'ThrottledError') {
      const body = JSON.parse(e.message) as { message: string; code?: string; status?: number };
      return { name: e.name, ...body };
    }
    // Under test, core adds "What happened: Executing … with bundle …" to other errors;
    // Zapier shows the user the message itself.
    return { name: e.name, message: e.message.split('\nWhat happened:')[0] };
  }
  throw new Error('expected the call to fail');
}
