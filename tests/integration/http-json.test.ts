/**
 * The JSON bodies the web board and the codec server read, attacked over a real socket: a body past
 * the limit is refused with 413 that the client receives (not a reset connection), garbage with 400,
 * and a character split across two packets arrives whole.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, readJsonBody, sendJson } from '../../src/server/http-json.js';

const LIMIT = 1024;
let server: http.Server;
let port: number;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    readJsonBody(request, LIMIT).then(
      (body) => sendJson(response, 200, { body: body ?? null }),
      (error: unknown) =>
        error instanceof HttpError
          ? sendJson(response, error.status, { error: error.message })
          : sendJson(response, 500, { error: String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends `chunks` one write each (each its own packet, as far as the client can make it) and reads the answer. */
function post(chunks: Buffer[]): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: unknown }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) as unknown }),
      );
    });
    request.on('error', reject);
    const next = (i: number): void => {
      if (i === chunks.length) return void request.end();
      request.write(chunks[i], () => setImmediate(() => next(i + 1)));
    };
    next(0);
  });
}

describe('readJsonBody', () => {
  it('refuses a body past the limit with 413 that reaches the client, however much more follows', async () => {
    const megabyte = Array.from({ length: 64 }, () => Buffer.alloc(16 * 1024, 'a'));
    const answer = await post([Buffer.from('{"x":"'), ...megabyte, Buffer.from('"}')]);
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({ error: `request body over ${LIMIT} bytes` });
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('takes a body of exactly the limit', async () => {
    const body = JSON.stringify({ x: 'a'.repeat(LIMIT - 8) });
    expect(Buffer.byteLength(body)).toBe(LIMIT);
    const answer = await post([Buffer.from(body)]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ body: { x: 'a'.repeat(LIMIT - 8) } });
  });

  it('refuses what is not JSON with 400, and reads an empty body as none', async () => {
    expect(await post([Buffer.from('{"x": ')])).toMatchObject({
      status: 400,
      body: { error: 'the request body is not JSON' },
    });
    expect(await post([])).toMatchObject({ status: 200, body: { body: null } });
  });

  it('decodes a character whose bytes arrive in two packets', async () => {
    const bytes = Buffer.from(JSON.stringify({ name: 'Zoë ✓ 𝄞' }));
    const cut = bytes.indexOf(Buffer.from('𝄞')) + 2;
    const answer = await post([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(answer.body).toEqual({ body: { name: 'Zoë ✓ 𝄞' } });
  });
});
