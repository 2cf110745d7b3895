/**
 * JSON in and out for the servers Todone runs on a port (the web board, the codec server): a body
 * read with a size limit, refusals as an HttpError with their status, answers never cached.
 */
import type http from 'node:http';

/** A refusal the server answers with its own status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request's body parsed as JSON, or undefined when it is empty. Over `maxBytes` it refuses with
 * 413 (the rest is drained unread, so the refusal reaches the client instead of a reset
 * connection); a body that is not JSON is refused with 400 and `notJson`.
 */
export function readJsonBody(
  request: http.IncomingMessage,
  maxBytes: number,
  notJson = 'the request body is not JSON',
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      chunks.length = 0;
      reject(new HttpError(413, `request body over ${maxBytes} bytes`));
    });
    request.on('end', () => {
      if (size > maxBytes) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, notJson));
      }
    });
    request.on('error', reject);
  });
}

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** Nothing a request does may take a server down: an error no handler expected ends that request only. */
export function lastResort(response: http.ServerResponse, error: unknown): void {
  if (response.headersSent) return void response.destroy();
  sendJson(response, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
}
