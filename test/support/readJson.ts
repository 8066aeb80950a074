/** A response body as JSON of the shape the test expects (the API's own types are in docs/api.md). */
export async function readJson<T = Record<string, unknown>>(
  response: Response | Promise<Response>,
): Promise<T> {
  return (await (await response).json()) as T;
}
