import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, problemForStatus } from './problem.js';

/**
 * The HTTP server's `clientError` handler: a request Node cannot parse (an unknown method, a broken
 * request line, headers over 16 KiB, headers too slow to arrive) never reaches Koa, and Node's own
 * answer is a bare status line. This one is problem+json like every other error of the API.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node's own handler: no answer when a response is already under way on this connection (the
  // rest of a body the API refused, read as a next request, must not splice a response into it).
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (error.code === 'ECONNRESET' || !socket.writable || inProgress) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const body = JSON.stringify(problemForStatus(status, randomUUID(), `the request could not be parsed as HTTP/1.1 (${error.code ?? 'malformed'})`));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
  );
}
