import type { Socket } from 'node:net';

/**
 * What the server writes when a connection breaks the HTTP rules before a route could answer:
 * a request that did not arrive in time (408, httpLimits.ts), headers too large (431), bytes
 * that are not HTTP (400). The API's error shape (docs/api.md), then the connection is closed.
 * Nothing is written when an answer has already started on the connection (a client that keeps
 * trickling the body of a request the bridge has answered): that would corrupt it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, body] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [
          408,
          'Request Timeout',
          {
            error: 'request_timeout',
            message: 'The request did not arrive in time: send the headers and body at once.',
          },
        ]
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            { error: 'invalid_request', message: 'The request headers are too large.' },
          ]
        : [400, 'Bad Request', { error: 'invalid_request', message: 'This is not valid HTTP.' }];
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !answering?.headersSent) {
    const text = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}
