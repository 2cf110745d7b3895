/**
 * `todone ui`'s server (node:http): the page, a JSON API over BoardClient, and one Server-Sent
 * Events stream per watching page, fed by one follower per board (feed.ts). Every request passes
 * the guard (src/server/guard.ts): its Host must be this server's, a browser's Origin this
 * server's own, and everything but the page's own public files (its HTML, scripts, styles and
 * icon, which hold no data) needs the token printed at start-up in an Authorization header: the
 * board list, the live feed and task logs as much as the buttons. Binds 127.0.0.1 unless told.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BoardClient } from '../client/board-client.js';
import type { BoardGraphTask } from '../../workflows/api.js';
import { TodoneError } from '../errors.js';
import { guard, LOOPBACK, NOT_A_URL, requestUrl, type GuardOptions } from '../server/guard.js';
import { HttpError, lastResort, readJsonBody, sendJson } from '../server/http-json.js';
import { boardAction, taskAction } from './actions.js';
import { listBoards } from './board-list.js';
import { picture, readGraph } from './board-graph.js';
import { etaFromEstimates } from './eta.js';
import { FeedHub, type BoardFeed, type FeedEvent } from './feed.js';
import { readTaskLog } from './log-tail.js';
import { apiRoute } from './routes.js';
import { isPublicFile, staticFile } from './static-files.js';

export interface UiServerOptions {
  boards: BoardClient;
  /** Todone's data folder on this machine: where running attempts' logs are. */
  home: string;
  /** The Temporal Web UI's page for a workflow, when its address is known. */
  temporalLink?: (workflowId: string) => string | undefined;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  token: string;
  /** How often each board's follower asks for changes (default 500 ms). */
  intervalMs?: number;
}

export interface RunningUiServer {
  url: string;
  port: number;
  /** The page's address with the token in its fragment (never sent to the server, nor in its logs). */
  pageUrl(boardId?: string): string;
  /** Boards being followed now: one follower per board, however many pages watch it. */
  followers(): number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
const ETA_EVERY_MS = 2_000;

export async function startUiServer(options: UiServerOptions): Promise<RunningUiServer> {
  const host = options.host ?? LOOPBACK;
  const hub = new FeedHub(options.boards, { intervalMs: options.intervalMs ?? 500 });
  const graphs = new Map<string, Promise<BoardGraphTask[]>>();
  const streams = new Set<http.ServerResponse>();
  const guarded: { options?: GuardOptions } = {};
  const context: Context = { options, hub, graphs, streams };
  const server = http.createServer((request, response) => {
    handle(request, response, context, guarded.options!).catch((error: unknown) => lastResort(response, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  guarded.options = { port, token: options.token, hostNames: host === LOOPBACK ? [] : [host] };
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  return {
    url,
    port,
    pageUrl: (boardId) =>
      `${url}/#token=${encodeURIComponent(options.token)}${boardId ? `&board=${encodeURIComponent(boardId)}` : ''}`,
    followers: () => hub.size,
    close: async () => {
      hub.close();
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Context {
  options: UiServerOptions;
  hub: FeedHub;
  graphs: Map<string, Promise<BoardGraphTask[]>>;
  streams: Set<http.ServerResponse>;
}

async function handle(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  context: Context,
  guardOptions: GuardOptions,
): Promise<void> {
  const url = requestUrl(request);
  if (!url) return sendJson(response, 400, { error: NOT_A_URL });
  const publicFile = request.method === 'GET' && isPublicFile(url.pathname);
  const verdict = guard(request, guardOptions, { token: !publicFile });
  if (!verdict.ok) return sendJson(response, verdict.status, { error: verdict.reason });
  securityHeaders(response);
  try {
    if (publicFile) {
      const file = await staticFile(url.pathname);
      if (!file) throw new HttpError(404, 'not found');
      response.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-cache' });
      response.end(file.body);
      return;
    }
    const route = apiRoute(request.method, url);
    switch (route.kind) {
      case 'boards':
        return sendJson(response, 200, {
          boards: await listBoards(context.options.boards.client, { state: route.state, name: route.name }),
        });
      case 'picture':
        return sendJson(response, 200, await boardPicture(context, route.boardId));
      case 'events':
        return stream(request, response, context, route.boardId);
      case 'log':
        return sendJson(
          response,
          200,
          await readTaskLog({
            home: context.options.home,
            boardId: route.boardId,
            taskId: route.taskId,
            statusPath: context.hub.peek(route.boardId)?.task(route.taskId)?.logPath,
            offset: route.offset,
          }),
        );
      case 'board-action': {
        const body = asObject(await readJsonBody(request, MAX_BODY_BYTES));
        return sendJson(response, 200, {
          message: await boardAction(context.options.boards, route.boardId, route.action, body),
        });
      }
      case 'task-action': {
        const body = asObject(await readJsonBody(request, MAX_BODY_BYTES));
        return sendJson(response, 200, {
          message: await taskAction(context.options.boards, route.boardId, route.taskId, route.action, body),
        });
      }
    }
  } catch (error) {
    if (response.headersSent) return void response.end();
    if (error instanceof HttpError) return sendJson(response, error.status, { error: error.message });
    // Expected refusals (not running, unknown task, refused update) are the user's to read.
    const status = error instanceof TodoneError ? (error.exitCode === 2 ? 400 : 409) : 500;
    return sendJson(response, status, { error: error instanceof Error ? error.message : String(error) });
  }
}

async function boardPicture(context: Context, boardId: string): Promise<unknown> {
  const { boards, temporalLink } = context.options;
  const description = await boards.describe(boardId);
  const link = temporalLink?.(description.workflowId);
  const base = {
    boardId,
    workflowId: description.workflowId,
    workflowState: description.status.name,
    taskQueue: description.taskQueue,
    ...(link ? { temporalLink: link } : {}),
  };
  try {
    const tasks = await graphOf(context, boardId, true);
    const maxParallel = context.hub.feed(boardId).current().board?.maxParallel ?? 4;
    return { ...base, ...picture(tasks, maxParallel) };
  } catch (error) {
    // A closed board answers queries only while some worker can replay it.
    return {
      ...base,
      tasks: [],
      waves: [],
      planned: {},
      plannedMakespanMs: 0,
      graphError: `the board's graph is not available: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  }
}

function graphOf(context: Context, boardId: string, fresh = false): Promise<BoardGraphTask[]> {
  let graph = context.graphs.get(boardId);
  if (!graph || fresh) {
    graph = readGraph(context.options.boards, boardId);
    context.graphs.set(boardId, graph);
    graph.catch(() => context.graphs.delete(boardId));
  }
  return graph;
}

/** One SSE stream: everything known first, then only what changed; an ETA from the estimates now and then. */
function stream(request: http.IncomingMessage, response: http.ServerResponse, context: Context, boardId: string): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  response.write(': todone\n\n');
  context.streams.add(response);
  const feed = context.hub.feed(boardId);
  let etaAt = 0;
  const send = (event: FeedEvent) => {
    response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    if (event.type !== 'waiting' && Date.now() - etaAt >= ETA_EVERY_MS) {
      etaAt = Date.now();
      void sendEta(response, context, feed);
    }
  };
  const unsubscribe = feed.subscribe(send);
  // Proxies and browsers drop a silent stream: a comment line every 15 s keeps it open.
  const keepAlive = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
  keepAlive.unref();
  request.on('close', () => {
    clearInterval(keepAlive);
    unsubscribe();
    context.streams.delete(response);
  });
}

async function sendEta(response: http.ServerResponse, context: Context, feed: BoardFeed): Promise<void> {
  const current = feed.current();
  if (!current.board) return;
  try {
    let tasks = await graphOf(context, feed.boardId);
    // Tasks were added to the running board: read its graph again.
    if (tasks.length !== current.board.counts.total) tasks = await graphOf(context, feed.boardId, true);
    const statuses = new Map(current.tasks.map((t) => [t.id, t]));
    const etaMs = current.ended ? 0 : etaFromEstimates(tasks, statuses, current.board.maxParallel, Date.now());
    if (!response.writableEnded) response.write(`event: eta\ndata: ${JSON.stringify({ etaMs })}\n\n`);
  } catch {
    // No worker to answer the graph query: the page shows no ETA rather than a wrong one.
  }
}

/** An action's options: a JSON object, or none. */
function asObject(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

function securityHeaders(response: http.ServerResponse): void {
  response.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Frame-Options', 'DENY');
}
