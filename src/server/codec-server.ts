/**
 * A codec server for the Temporal Web UI and CLI (Temporal's codec server protocol): `POST /decode`
 * and `POST /encode` take `{ "payloads": [...] }` in proto3 JSON (bytes as base64) and answer the
 * same shape run through Todone's payload codec, so people who hold the token read encrypted boards
 * in the UI. It binds 127.0.0.1 unless told otherwise, answers only to its own Host, to browsers
 * only from the origins it was given (CORS), and decodes or encodes only with the token (guard.ts):
 * in an Authorization header (the Temporal CLI's --codec-auth), or as the path's first segment,
 * `/<token>/decode`, the one form the Temporal Web UI's Codec Server setting (a URL) can carry.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { guard, LOOPBACK, type GuardOptions } from './guard.js';
import { HttpError, lastResort, readJsonBody, sendJson } from './http-json.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Default 127.0.0.1. Another address exposes decryption to that network: the token is then all that guards it. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** Browser origins allowed to call it, e.g. the Web UI's http://127.0.0.1:8233. */
  origins?: readonly string[];
}

export interface RunningCodecServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const host = options.host ?? LOOPBACK;
  // The port is known once listening; requests cannot arrive before that.
  const guarded: { options?: GuardOptions } = {};
  const server = http.createServer((request, response) => {
    handle(request, response, options.codec, guarded.options!).catch((error: unknown) => lastResort(response, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  guarded.options = {
    port,
    token: options.token,
    origins: options.origins ?? [],
    hostNames: host === LOOPBACK ? [] : [host],
    tokenInPath: true,
  };
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  codec: PayloadCodec,
  options: GuardOptions,
): Promise<void> {
  const origin = request.headers.origin;
  // A preflight carries no token (browsers never send credentials with it); Host and Origin still decide.
  const preflight = request.method === 'OPTIONS';
  const verdict = guard(request, options, { token: !preflight });
  if (!verdict.ok) return sendJson(response, verdict.status, { error: verdict.reason });
  // Past the guard, an Origin present is an allowed one.
  if (origin !== undefined) {
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    response.setHeader('Vary', 'Origin');
  }
  const route = /^(?:\/[^/]+)?\/(encode|decode)$/.exec(verdict.path)?.[1];
  if (!route) return sendJson(response, 404, { error: 'not found: POST /encode or /decode' });
  if (preflight) {
    response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    response.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
    response.setHeader('Access-Control-Max-Age', '600');
    response.writeHead(204).end();
    return;
  }
  if (request.method !== 'POST') return sendJson(response, 405, { error: 'method not allowed: POST' });
  try {
    const payloads = (await readPayloads(request)).map(fromJson);
    const result = route === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads);
    sendJson(response, 200, { payloads: result.map(toJson) });
  } catch (error) {
    if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
    sendJson(response, 422, { error: error instanceof Error ? error.message : String(error) });
  }
}

const EXPECTED = 'expected a JSON body { "payloads": [...] }';

async function readPayloads(request: http.IncomingMessage): Promise<JsonPayload[]> {
  const body = await readJsonBody(request, MAX_BODY_BYTES, EXPECTED);
  const payloads = (body as { payloads?: unknown } | undefined)?.payloads;
  if (!Array.isArray(payloads)) throw new HttpError(400, EXPECTED);
  return payloads as JsonPayload[];
}

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64')]),
    ),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

function toJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}
