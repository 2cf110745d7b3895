/**
 * The webhook itself: `POST /boards` with a board document (the YAML's fields, as JSON) starts it
 * through Todone's Node API and answers 202 with the workflow id; a second POST of the same board
 * joins the run in progress. `GET /boards/<id>` answers the board's status. Every request carries
 * `Authorization: Bearer <token>`: a board is a list of commands to run.
 */
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { InvalidInputError, NotFoundError } from 'todone';

/** Boards are small; anything bigger is a mistake or an attack. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * @param {{ boards: import('todone').BoardClient, baseDir: string, token: string }} options
 *   `baseDir`: where the boards' relative paths start, on the workers (the caller does not choose it).
 * @returns {http.Server}
 */
export function createWebhookServer({ boards, baseDir, token }) {
  if (!token) throw new Error('a webhook token is required');
  const expected = Buffer.from(`Bearer ${token}`);
  const authorised = (header) => {
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  return http.createServer((request, response) => {
    const reply = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(`${JSON.stringify(body)}\n`);
    };
    if (!authorised(request.headers.authorization)) return reply(401, { error: 'missing or wrong bearer token' });
    const url = new URL(request.url ?? '/', 'http://webhook');
    handle(request, url, boards, baseDir)
      .then(([status, body]) => reply(status, body))
      .catch((error) => {
        if (error instanceof InvalidInputError) return reply(422, { error: 'invalid board', issues: error.issues });
        if (error instanceof NotFoundError) return reply(404, { error: error.message });
        if (error instanceof RequestError) return reply(error.status, { error: error.message });
        console.error(error);
        return reply(500, { error: 'internal error' });
      });
  });
}

class RequestError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function handle(request, url, boards, baseDir) {
  if (request.method === 'POST' && url.pathname === '/boards') {
    const document = await readJson(request);
    const started = await boards.startDocument(document, { baseDir, source: 'the posted board' });
    return [202, { workflowId: started.handle.workflowId, boardId: started.board.id, attached: started.attached }];
  }
  const status = /^\/boards\/([^/]+)$/.exec(url.pathname);
  if (request.method === 'GET' && status) {
    const snapshot = await boards.snapshot(decodeURIComponent(status[1]));
    return [
      200,
      { execution: snapshot.description.status.name, answered: snapshot.answered, status: snapshot.status ?? null },
    ];
  }
  throw new RequestError(404, 'POST /boards, or GET /boards/<board id>');
}

async function readJson(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestError(413, `a board must be under ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new RequestError(400, `the body is not JSON: ${error.message}`);
  }
}
