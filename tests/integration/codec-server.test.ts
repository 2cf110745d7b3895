/**
 * `todone codec-server` over real HTTP: it binds 127.0.0.1, decodes and encodes only with the
 * token (in an Authorization header, or as the path's first segment for the Temporal Web UI, never
 * in the query), refuses a foreign Host (DNS rebinding) and a foreign Origin, answers the Web UI's
 * CORS preflight, and round-trips payloads with the board's codec. The guard it uses is the one
 * every Todone server uses (src/server/guard.ts).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecServerCommand } from '../../src/cli/commands/codec-server.js';
import type { CommandIO } from '../../src/cli/io.js';
import { AesGcmPayloadCodec } from '../../temporal/payload-codec.js';
import { freePort } from '../support/free-port.js';
import { listeningAddresses } from '../support/listening.js';
import { rawStatusLine } from '../support/raw-http.js';

const key = { id: 'k1', key: randomBytes(32) };
const codec = new AesGcmPayloadCodec([key]);
const UI = 'http://127.0.0.1:8233';
let port: number;
let token: string;
let stop: () => void;
let finished: Promise<number>;
let printed = '';

beforeAll(async () => {
  port = await freePort();
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const io = {
    env: { TODONE_PAYLOAD_KEY: `k1:${key.key.toString('base64')}` },
    cwd: process.cwd(),
    stdout: (text: string) => (printed += text),
    stderr: () => undefined,
    isTTY: false,
  } as unknown as CommandIO;
  let started!: () => void;
  const listening = new Promise<void>((resolve) => (started = resolve));
  const stdout = io.stdout;
  io.stdout = (text) => {
    stdout(text);
    started();
  };
  finished = codecServerCommand({ port, uiOrigin: [UI], stopped }, io);
  await listening;
  token = /Codec Server endpoint: http:\/\/127\.0\.0\.1:\d+\/(\S+)/.exec(printed)![1]!;
});
afterAll(async () => {
  stop();
  expect(await finished).toBe(0);
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(options: {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  host?: string;
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'POST',
        headers: { 'Content-Type': 'application/json', ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

function toJson(p: Payload) {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
    ),
    data: Buffer.from(p.data!).toString('base64'),
  };
}

async function encryptedBody() {
  const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ board: 'secret plans' })]);
  return { payloads: [toJson(encrypted!)] };
}

function decodedValue(reply: Reply): unknown {
  const [p] = (JSON.parse(reply.body) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
  return defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(p!.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p!.data, 'base64'),
  });
}

describe('todone codec-server', () => {
  it('prints where to point the Web UI and the CLI, on 127.0.0.1', () => {
    expect(printed).toContain(`Codec server listening on http://127.0.0.1:${port} (keys: k1; encrypting with k1).`);
    expect(printed).toContain(`--codec-auth 'Bearer ${token}'`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('decodes with the token in the path (the Web UI) or as a bearer token (the CLI), from the UI’s origin', async () => {
    const body = await encryptedBody();
    const byPath = await request({ path: `/${token}/decode`, headers: { Origin: UI, 'X-Namespace': 'default' }, body });
    expect(byPath.status).toBe(200);
    expect(byPath.headers['access-control-allow-origin']).toBe(UI);
    expect(decodedValue(byPath)).toEqual({ board: 'secret plans' });

    const byBearer = await request({ path: '/default/decode', headers: { Authorization: `Bearer ${token}` }, body });
    expect(decodedValue(byBearer)).toEqual({ board: 'secret plans' });
  });

  it('encodes what it decodes back', async () => {
    const plain = { payloads: [toJson(defaultPayloadConverter.toPayload('hello'))] };
    const encoded = await request({ path: `/${token}/encode`, body: plain });
    expect(encoded.status).toBe(200);
    expect(encoded.body).not.toContain(Buffer.from('"hello"').toString('base64'));
    const decoded = await request({ path: `/${token}/decode`, body: JSON.parse(encoded.body) as unknown });
    expect(decodedValue(decoded)).toBe('hello');
  });

  it.each([
    {
      name: 'no token',
      path: '/decode',
      headers: {},
      status: 401,
      error: 'refused: this request needs the token printed when the server started',
    },
    {
      name: 'the token in the query',
      path: '/decode?token=TOKEN',
      headers: {},
      status: 401,
      error: 'refused: this request needs the token printed when the server started',
    },
    {
      name: 'a segment shorter than a token in the path',
      path: '/abc/decode',
      headers: {},
      status: 401,
      error: 'refused: this request needs the token printed when the server started',
    },
    {
      name: 'a wrong token of another length in the path',
      path: `/${'x'.repeat(64)}/decode`,
      headers: {},
      status: 401,
      error: 'refused: wrong token',
    },
    {
      name: 'a wrong token',
      path: `/${'x'.repeat(43)}/decode`,
      headers: {},
      status: 401,
      error: 'refused: wrong token',
    },
    {
      name: 'a wrong bearer token',
      path: '/decode',
      headers: { Authorization: 'Bearer nope' },
      status: 401,
      error: 'refused: wrong token',
    },
    {
      name: 'a foreign Origin',
      path: 'TOKEN',
      headers: { Origin: 'http://evil.example' },
      status: 403,
      error: 'refused: Origin "http://evil.example" is not allowed',
    },
    {
      name: 'a rebound Host',
      path: 'TOKEN',
      headers: { Host: 'evil.example:PORT' },
      status: 403,
      error: 'refused: Host "evil.example:PORT" is not this server',
    },
  ])('refuses $name', async ({ path, headers, status, error }) => {
    const fill = (text: string) => text.replace('PORT', String(port));
    const reply = await request({
      path: path === 'TOKEN' ? `/${token}/decode` : path.replace('TOKEN', token),
      headers: Object.fromEntries(Object.entries(headers as Record<string, string>).map(([k, v]) => [k, fill(v)])),
      body: await encryptedBody(),
    });
    expect(reply.status).toBe(status);
    expect(JSON.parse(reply.body)).toEqual({ error: fill(error) });
    expect(reply.body).not.toContain('secret plans');
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a request target that is not a URL, and keeps serving', async () => {
    for (const target of ['//[', 'http://[', `http://127.0.0.1:99999/${token}/decode`])
      expect(await rawStatusLine(port, `POST ${target}`), target).toBe('HTTP/1.1 400 Bad Request');
    const reply = await request({
      path: '/decode',
      headers: { Authorization: `Bearer ${token}` },
      body: await encryptedBody(),
    });
    expect(decodedValue(reply)).toEqual({ board: 'secret plans' });
  });

  it('answers the Web UI’s preflight, and no one else’s', async () => {
    const ok = await request({
      path: `/${token}/decode`,
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': UI,
      'access-control-allow-methods': 'POST, OPTIONS',
    });
    expect(ok.headers['access-control-allow-headers']).toContain('X-Namespace');
    const foreign = await request({
      path: `/${token}/decode`,
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
  });

  it('listens on 127.0.0.1 alone, and is not reachable on the machine’s other addresses', async () => {
    // The kernel's own table: holds on a host whose only interface is the loopback.
    expect(await listeningAddresses(port)).toEqual(['127.0.0.1']);
    const outward = Object.values((await import('node:os')).networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal)
      .map((i) => i!.address);
    for (const address of outward) {
      await expect(request({ host: address, path: `/${token}/decode`, body: await encryptedBody() })).rejects.toThrow(
        /ECONNREFUSED/,
      );
    }
  });
});
