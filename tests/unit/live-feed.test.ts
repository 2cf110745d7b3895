/**
 * The web board's live feed reader (src/ui/public/live-feed.js), run in Node (which has the same
 * fetch and TextDecoderStream as the browser) against a real HTTP server that cuts its stream at
 * awkward places: inside a field name, between `\r` and `\n`, inside a two-byte character. Events
 * arrive whole and in order, comments are skipped, multi-line data is joined; a dropped stream is
 * connected again with the same header; a refusal stops it for good; close() stops retrying.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

interface LiveFeedModule {
  openLiveFeed: (
    url: string,
    options: {
      headers: () => Record<string, string>;
      onEvent: (type: string, data: string) => void;
      onState: (state: string, refusal?: { status: number; message: string }) => void;
    },
  ) => { close(): void };
}

const { openLiveFeed } = (await import(
  new URL('../../src/ui/public/live-feed.js', import.meta.url).href
)) as LiveFeedModule;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

/** Resolves when `count` items were collected; fails naming what it waited for. */
function collector<T>(what: string) {
  const items: T[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    items,
    push(item: T) {
      items.push(item);
      for (const waiter of waiters) if (items.length >= waiter.count) waiter.resolve();
    },
    until(count: number, timeoutMs = 10_000): Promise<T[]> {
      if (items.length >= count) return Promise.resolve(items);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${count} ${what}; got ${JSON.stringify(items)}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(items);
          },
        });
      });
    },
  };
}

describe('the live feed reader', () => {
  it('reads events cut anywhere, reconnects with its header after a drop, and stops when closed', async () => {
    const authorizations: (string | undefined)[] = [];
    const stream = Buffer.from(
      ': keep-alive\n\nevent: snapshot\r\ndata: {"name":"café"}\r\n\r\n' +
        'event: tasks\ndata: first line\ndata: second line\n\n' +
        'data: no event name\n\nevent: ignored-without-data\n\n',
    );
    const cut = [3, 18, 40, stream.indexOf('é') + 1, stream.indexOf('\r\n\r\n') + 1, 90];
    const url = await serve((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      if (authorizations.length > 1) return void response.write('event: again\ndata: 2\n\n');
      // The first connection: the stream in pieces, each flushed on its own, then dropped.
      let at = 0;
      const next = () => {
        const end = cut.shift() ?? stream.length;
        response.write(stream.subarray(at, end), () => {
          at = end;
          if (at < stream.length) setTimeout(next, 5);
          else response.destroy();
        });
      };
      next();
    });
    const events = collector<[string, string]>('events');
    const states = collector<string>('states');
    const feed = openLiveFeed(url, {
      headers: () => ({ Authorization: 'Bearer t0ken' }),
      onEvent: (type, data) => events.push([type, data]),
      onState: (state) => states.push(state),
    });
    try {
      expect(await events.until(4)).toEqual([
        ['snapshot', '{"name":"café"}'],
        ['tasks', 'first line\nsecond line'],
        ['message', 'no event name'],
        ['again', '2'],
      ]);
      expect(states.items).toEqual(['open', 'reconnecting', 'open']);
      expect(authorizations).toEqual(['Bearer t0ken', 'Bearer t0ken']);
    } finally {
      feed.close();
    }
  });

  it('stops for good when the server refuses, saying why', async () => {
    let requests = 0;
    const url = await serve((_request, response) => {
      requests++;
      response.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"refused: wrong token"}');
    });
    const states = collector<[string, unknown]>('states');
    openLiveFeed(url, {
      headers: () => ({}),
      onEvent: () => undefined,
      onState: (state, refusal) => states.push([state, refusal]),
    });
    expect(await states.until(1)).toEqual([['refused', { status: 401, message: 'refused: wrong token' }]]);
    // Past the first retry's pause: no second request was made.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(requests).toBe(1);
  });

  it('makes no new connection once closed while waiting to reconnect', async () => {
    let requests = 0;
    const url = await serve((_request, response) => {
      requests++;
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      response.end('event: once\ndata: 1\n\n');
    });
    const states = collector<string>('states');
    const feed = openLiveFeed(url, {
      headers: () => ({}),
      onEvent: () => undefined,
      onState: (state) => states.push(state),
    });
    await states.until(2);
    expect(states.items).toEqual(['open', 'reconnecting']);
    feed.close();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(requests).toBe(1);
    expect(states.items).toEqual(['open', 'reconnecting']);
  });
});
