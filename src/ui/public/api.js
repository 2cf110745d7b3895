/* global location, history */
// The token and the requests that carry it. The token arrives once in the URL's fragment
// (`#token=…`, which browsers never send to a server), is kept in this tab's sessionStorage, and
// goes to the server in an Authorization header on every request: never in a URL.
const KEY = 'todone-token';

/** The server refused the token (none kept, or one from an earlier start of `todone ui`). */
export class TokenRefused extends Error {}

/** Keeps the fragment's token and takes it out of the address bar (and the history). */
export function takeTokenFromFragment() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return;
  sessionStorage.setItem(KEY, token);
  const board = params.get('board');
  history.replaceState(null, '', board ? `#/board/${encodeURIComponent(board)}` : '#/');
}

export function hasToken() {
  return Boolean(sessionStorage.getItem(KEY));
}

export function keepToken(token) {
  sessionStorage.setItem(KEY, token.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(KEY);
}

export function authHeaders() {
  const token = sessionStorage.getItem(KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export async function getJson(path) {
  return answer(await fetch(path, { headers: { Accept: 'application/json', ...authHeaders() } }));
}

export async function postJson(path, body = {}) {
  return answer(
    await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
    }),
  );
}

async function answer(response) {
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) throw new TokenRefused(body.error ?? 'the server wants the token');
  if (!response.ok) throw new Error(body.error ?? response.statusText);
  return body;
}
