/**
 * What every server Todone runs on a port checks before it answers, so neither a web page open in
 * the user's browser nor another local process (a confined task included) can use it:
 *
 * - `Host` must name this server (127.0.0.1:PORT, localhost:PORT, [::1]:PORT or a configured
 *   name). A page on evil.example whose DNS is rebound to 127.0.0.1 sends `Host: evil.example`.
 * - `Origin`, when a browser sends one, must be an origin the server was told to trust (its own,
 *   the Temporal Web UI's). Browsers send it on every cross-site and every state-changing request.
 * - The token printed at start-up, in `Authorization: Bearer <token>`, on every request that is not
 *   one of a page's own public files. Never from the query string. The codec server alone also
 *   takes it as the path's first segment (`/<token>/decode`): the Temporal Web UI's Codec Server
 *   setting is a URL and nothing else (its "pass access token" option sends the Web UI's own login
 *   token, not one the user types).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SetupError } from '../errors.js';

export const LOOPBACK = '127.0.0.1';

export interface GuardOptions {
  /** The port the server listens on: the Host header must carry it. */
  port: number;
  /** Host names it answers to besides the loopback ones (e.g. the name it is bound to). */
  hostNames?: readonly string[];
  /** Origins (scheme://host:port) allowed to call it from a browser. Its own are always allowed. */
  origins?: readonly string[];
  token: string;
  /** Also take the token from the path's first segment (the codec server, for the Temporal Web UI). */
  tokenInPath?: boolean;
}

export type Verdict = { ok: true } | { ok: false; status: 400 | 401 | 403; reason: string };

/** A token worth its name: 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32,512}$/;

/**
 * The token a server is started with: a fixed one from the environment variable `name` (so a
 * setting that holds it survives restarts), or a new one. A fixed token must be as hard to guess
 * as a new one, and fit in a URL path segment (the codec server's Web UI form).
 */
export function tokenFromEnv(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const fixed = env[name]?.trim();
  if (!fixed) return newToken();
  if (!TOKEN_SHAPE.test(fixed))
    throw new SetupError(
      `${name}: must be 32 to 512 letters, digits, '_' or '-' (make one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))")`,
    );
  return fixed;
}

export function allowedHosts(options: Pick<GuardOptions, 'port' | 'hostNames'>): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', ...(options.hostNames ?? [])];
  return new Set(names.map((name) => `${name.toLowerCase()}:${options.port}`));
}

export function allowedOrigins(options: Pick<GuardOptions, 'port' | 'hostNames' | 'origins'>): Set<string> {
  const own = [...allowedHosts(options)].map((host) => `http://${host}`);
  return new Set([...own, ...(options.origins ?? []).map(normaliseOrigin)]);
}

/** `http://Localhost:8233/` → `http://localhost:8233`: how browsers write an Origin header. */
export function normaliseOrigin(origin: string): string {
  const url = new URL(origin);
  return url.origin;
}

export function checkHost(request: IncomingMessage, options: GuardOptions): Verdict {
  const host = request.headers.host?.toLowerCase();
  if (host && allowedHosts(options).has(host)) return { ok: true };
  return { ok: false, status: 403, reason: `refused: Host ${JSON.stringify(host ?? '')} is not this server` };
}

export function checkOrigin(request: IncomingMessage, options: GuardOptions): Verdict {
  const origin = request.headers.origin;
  // No Origin: not a browser's cross-site request (curl, the Temporal CLI); the token still decides.
  if (origin === undefined) return { ok: true };
  if (allowedOrigins(options).has(origin)) return { ok: true };
  return { ok: false, status: 403, reason: `refused: Origin ${JSON.stringify(origin)} is not allowed` };
}

/**
 * The request's target as a URL, or undefined when it is none: `GET //[ HTTP/1.1` reaches the
 * server, and an unparsed URL must be refused, not thrown where nothing catches it.
 */
export function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

export const NOT_A_URL = 'refused: the request target is not a URL';

/** The request's path (percent-encoding kept), and the token it carries where this server takes one. */
export function splitToken(
  request: IncomingMessage,
  options: Pick<GuardOptions, 'tokenInPath'> = {},
): { token?: string; path: string } {
  const path = requestUrl(request)?.pathname ?? '/';
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return { token: bearer, path };
  if (!options.tokenInPath) return { path };
  const [, first, rest] = /^\/([^/]+)(\/.*)?$/.exec(path) ?? [];
  // Only a segment that could be a token is taken for one, so `/decode` stays a path.
  if (first && rest && /^[A-Za-z0-9_-]{32,}$/.test(first)) return { token: first, path: rest };
  return { path };
}

/**
 * Compares digests, not the strings: equal lengths whatever was sent, so neither the token's
 * characters nor its length can be learnt from how long a refusal takes.
 */
export function checkToken(given: string | undefined, options: GuardOptions): Verdict {
  if (given === undefined)
    return { ok: false, status: 401, reason: 'refused: this request needs the token printed when the server started' };
  if (timingSafeEqual(digest(given), digest(options.token))) return { ok: true };
  return { ok: false, status: 401, reason: 'refused: wrong token' };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * A target that is a URL, Host, Origin, then the token unless the request is for a public file.
 * `path` is the request's path (with the token segment taken out where the server takes one
 * there), for its routing.
 */
export function guard(
  request: IncomingMessage,
  options: GuardOptions,
  needs: { token: boolean },
): Verdict & { path: string } {
  if (!requestUrl(request)) return { ok: false, status: 400, reason: NOT_A_URL, path: '/' };
  const { token, path } = splitToken(request, options);
  for (const verdict of [
    checkHost(request, options),
    checkOrigin(request, options),
    needs.token ? checkToken(token, options) : { ok: true as const },
  ]) {
    if (!verdict.ok) return { ...verdict, path };
  }
  return { ok: true, path };
}
