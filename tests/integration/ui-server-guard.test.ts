/**
 * The web board's server (`todone ui`) over real HTTP, attacked as a local process would: a real
 * board run by a real worker on the suite's dev server, its log in the harness's data folder, and a
 * secret file planted beside that folder. Every read (board list, picture, live feed, task log) and
 * every action is refused without the token in an Authorization header (the token in the path or
 * the query does not count), and the refusal leaks nothing; the page's own files stay public. Ids
 * from the URL are checked with the board's id rule before any path is built: an encoded `/`, `..`,
 * NUL, an overlong or a look-alike id never reaches the secret (its access time proves it was not
 * read). A log that is a link, a hard link, a FIFO or inside a linked folder is refused.
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskDataDir } from '../../src/data-dir.js';
import { newToken } from '../../src/server/guard.js';
import { readTaskLog } from '../../src/ui/log-tail.js';
import { startUiServer, type RunningUiServer } from '../../src/ui/server.js';
import { makeBoard } from '../support/boards.js';
import { rawStatusLine } from '../support/raw-http.js';
import { createHarness, type Harness } from '../support/harness.js';

const SECRET = 'SECRET-outside-the-data-folder';
const LOG_LINE = 'the-task-log-line';
const BOARD = `guarded-${Date.now()}`;

let harness: Harness;
let server: RunningUiServer;
let token: string;
let outside: string;
let secretFile: string;
let finishWorker: () => void;
let workerDone: Promise<void>;

beforeAll(async () => {
  harness = await createHarness();
  // The secret sits beside the data folder, where `<home>/boards/x/../../../tasks/../outside` lands.
  outside = path.join(path.dirname(harness.home), `outside-${path.basename(harness.home)}`);
  await fs.mkdir(outside);
  secretFile = path.join(outside, 'attempt-1.log');
  await fs.writeFile(secretFile, `${SECRET}\n`);
  const dir = await harness.tempDir();
  const board = makeBoard(BOARD, dir, [{ id: 'hello', command: `echo ${LOG_LINE}` }]);
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const release = new Promise<void>((resolve) => (finishWorker = resolve));
  // One worker for the whole file: the picture and the live feed ask the board's workflow.
  workerDone = harness.withWorker(async (boards) => {
    const { handle } = await boards.startOrAttach(board);
    await handle.result();
    token = newToken();
    server = await startUiServer({ boards, home: harness.home, port: 0, token, intervalMs: 100 });
    ready();
    await release;
    await server.close();
  });
  await Promise.race([started, workerDone]);
});

afterAll(async () => {
  finishWorker?.();
  await workerDone;
  await fs.rm(outside, { recursive: true, force: true });
  await harness?.close();
});

interface Reply {
  status: number;
  body: string;
}

/** A raw request: the path goes out exactly as written (fetch would normalise it). */
function call(
  urlPath: string,
  { method = 'GET', headers = {} }: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port: server.port, method, path: urlPath, headers, timeout: 10_000 },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
          // A live feed never ends by itself: its first event with the board is enough.
          if (/event: (?:tasks|end)\ndata: .*\n\n/.test(body)) response.destroy();
        });
        const done = () => resolve({ status: response.statusCode ?? 0, body });
        response.on('end', done).on('close', done);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer to ${method} ${urlPath} within 10 s`)));
    request.on('error', reject);
    request.end(method === 'POST' ? '{}' : undefined);
  });
}

const bearer = () => ({ Authorization: `Bearer ${token}` });

/** Seconds since the epoch at which the secret was last read; set far back so any read moves it. */
async function secretReadAt(): Promise<number> {
  return (await fs.stat(secretFile)).atimeMs;
}

async function forgetSecretReads(): Promise<void> {
  await fs.utimes(secretFile, 0, (await fs.stat(secretFile)).mtime);
}

/** relatime records a read of a file whose access time is older than a day; noatime records none. */
async function filesystemRecordsReads(): Promise<boolean> {
  await forgetSecretReads();
  await fs.readFile(secretFile);
  const recorded = (await secretReadAt()) > 0;
  await forgetSecretReads();
  return recorded;
}

const READS = [
  ['the board list', '/api/boards'],
  ["a board's picture", `/api/boards/${BOARD}/picture`],
  ["a board's live feed", `/api/boards/${BOARD}/events`],
  ["a task's log", `/api/boards/${BOARD}/tasks/hello/log`],
] as const;

describe('todone ui: every request but the page’s files needs the token in a header', () => {
  it.each(READS)('answers %s with the token in the Authorization header', async (_name, urlPath) => {
    const reply = await call(urlPath, { headers: bearer() });
    expect(reply.status, reply.body).toBe(200);
    expect(reply.body).toContain(urlPath.endsWith('/log') ? LOG_LINE : BOARD);
  });

  it.each(READS)('refuses %s without it, in the path or in the query, leaking nothing', async (_name, urlPath) => {
    for (const [how, reply] of [
      ['no token', await call(urlPath)],
      ['a wrong token', await call(urlPath, { headers: { Authorization: `Bearer ${newToken()}` } })],
      ['a token of another length', await call(urlPath, { headers: { Authorization: 'Bearer x' } })],
      ['the token in the path', await call(`/${token}${urlPath}`)],
      ['the token in the query', await call(`${urlPath}?token=${token}`)],
      ['the token as access_token', await call(`${urlPath}?access_token=${token}`)],
    ] as const) {
      expect(reply.status, how).toBe(401);
      const body = JSON.parse(reply.body) as Record<string, unknown>;
      expect(Object.keys(body), how).toEqual(['error']);
      expect(reply.body, how).not.toContain(BOARD);
      expect(reply.body, how).not.toContain(LOG_LINE);
      expect(reply.body, how).not.toContain(token);
    }
  });

  it('refuses every action without the token', async () => {
    for (const action of ['pause', 'resume', 'cancel', 'tasks/hello/retry', 'tasks/hello/cancel']) {
      const reply = await call(`/api/boards/${BOARD}/${action}`, { method: 'POST' });
      expect(reply.status, action).toBe(401);
      const inPath = await call(`/${token}/api/boards/${BOARD}/${action}`, { method: 'POST' });
      expect(inPath.status, action).toBe(401);
    }
  });

  it('serves the page, its scripts and styles without the token (they hold no data), and nothing else', async () => {
    for (const file of ['/', '/index.html', '/assets/app.js', '/assets/api.js', '/assets/live-feed.js', '/favicon.ico'])
      expect((await call(file)).status, file).toBe(200);
    // Not a public file: the token decides first, so a probe learns nothing about what exists.
    for (const probe of ['/assets/nope.js', '/api', '/api/boards/x/nothing', '/__proto__', '/constructor'])
      expect((await call(probe)).status, probe).toBe(401);
  });

  it('refuses a request target that is not a URL, and keeps serving', async () => {
    for (const target of ['//[', 'http://[', 'http://x:99999/api/boards'])
      expect(await rawStatusLine(server.port, `GET ${target}`), target).toBe('HTTP/1.1 400 Bad Request');
    expect((await call('/api/boards', { headers: bearer() })).status).toBe(200);
  });

  it('keeps the Host and Origin checks', async () => {
    expect((await call('/api/boards', { headers: { ...bearer(), Host: 'evil.example' } })).status).toBe(403);
    expect((await call('/', { headers: { Host: 'evil.example' } })).status).toBe(403);
    expect((await call('/api/boards', { headers: { ...bearer(), Origin: 'http://evil.example' } })).status).toBe(403);
  });
});

describe('todone ui: ids from the URL are checked before they touch a path', () => {
  // Decoded, `x/../../..` and `../outside` make taskDataDir land exactly on the secret's folder.
  const escape = () => ({ board: 'x%2F..%2F..%2F..', task: `..%2F${path.basename(outside)}` });

  it('would have read the secret through an encoded "/" (the attack this refuses is real)', () => {
    const board = decodeURIComponent(escape().board);
    const task = decodeURIComponent(escape().task);
    expect(taskDataDir(harness.home, board, task)).toBe(outside);
  });

  const BAD_IDS: [string, string][] = [
    ['an encoded "/"', '..%2Fetc'],
    ['an encoded "/" in upper and lower case', 'a%2fb%2Fc'],
    ['an encoded "\\"', '..%5C..%5Coutside'],
    ['".." spelled out', '%2E%2E'],
    ['a name with ".."', 'a..b'],
    ['a NUL', 'attempt%00'],
    ['a newline', 'a%0Ab'],
    ['an overlong id', 'a'.repeat(101)],
    ['a Cyrillic look-alike', encodeURIComponent('ѕetup')],
    ['a fullwidth solidus', encodeURIComponent('a／b')],
    ['a division slash', encodeURIComponent('a∕b')],
    ['a one-dot leader pair', encodeURIComponent('․․')],
    ['a leading dot', '.hidden'],
  ];

  it.each(BAD_IDS)('refuses %s as a board id or a task id, naming the field', async (_name, bad) => {
    const recorded = await filesystemRecordsReads();
    for (const [field, urlPath] of [
      ['board id', `/api/boards/${bad}/tasks/hello/log`],
      ['task id', `/api/boards/${BOARD}/tasks/${bad}/log`],
      ['board id', `/api/boards/${bad}/picture`],
      ['board id', `/api/boards/${bad}/events`],
    ] as const) {
      const reply = await call(urlPath, { headers: bearer() });
      // `%2E%2E` is `..` to URL parsing: the path is normalised away from the API, never to a file.
      if (bad === '%2E%2E') {
        expect(reply.status, urlPath).toBe(404);
        continue;
      }
      expect(reply.status, `${urlPath}: ${reply.body}`).toBe(400);
      expect((JSON.parse(reply.body) as { error: string }).error).toMatch(new RegExp(`^${field}: .* is not a safe id`));
      expect(reply.body).not.toContain(SECRET);
    }
    if (recorded) expect(await secretReadAt(), 'the secret was read').toBe(0);
  });

  it('refuses the exact escape that lands on the secret, and a path that is not percent-encoding', async () => {
    const recorded = await filesystemRecordsReads();
    const reply = await call(`/api/boards/${escape().board}/tasks/${escape().task}/log`, { headers: bearer() });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('board id: ');
    expect(reply.body).not.toContain(SECRET);
    const broken = await call(`/api/boards/%E0%A4%A/tasks/hello/log`, { headers: bearer() });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body)).toEqual({ error: 'the path is not valid percent-encoding' });
    if (recorded) expect(await secretReadAt(), 'the secret was read').toBe(0);
    // The server is still there after bad input.
    expect((await call('/api/boards', { headers: bearer() })).status).toBe(200);
  });

  it('refuses bad query values, naming them', async () => {
    const log = `/api/boards/${BOARD}/tasks/hello/log`;
    for (const offset of ['-5', 'abc', '1e3', '9'.repeat(20), ''])
      expect(
        JSON.parse((await call(`${log}?offset=${offset}`, { headers: bearer() })).body),
        `offset=${offset}`,
      ).toEqual({ error: 'offset: must be a whole number of bytes (0 or more)' });
    const offsetAnswer = JSON.parse((await call(`${log}?offset=4`, { headers: bearer() })).body) as { text: string };
    expect(offsetAnswer.text).toBe(`${LOG_LINE}\n`.slice(4));
    for (const state of ['__proto__', 'RUNNING', "running' OR 1=1"]) {
      const reply = await call(`/api/boards?state=${encodeURIComponent(state)}`, { headers: bearer() });
      expect(reply.status, state).toBe(400);
      expect(reply.body).toContain('state: must be one of running, completed');
    }
  });
});

describe('todone ui: a log read from the data folder never follows what a task could plant', () => {
  async function plant(taskId: string, make: (file: string) => Promise<void>): Promise<string> {
    const dir = taskDataDir(harness.home, BOARD, taskId);
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'attempt-1.log');
    await make(file);
    return `/api/boards/${BOARD}/tasks/${taskId}/log`;
  }

  async function expectRefused(urlPath: string, why: string): Promise<void> {
    const recorded = await filesystemRecordsReads();
    const reply = await call(urlPath, { headers: bearer() });
    expect(reply.status, reply.body).toBe(200);
    const answer = JSON.parse(reply.body) as { found: boolean; message: string };
    expect(answer.found).toBe(false);
    expect(answer.message).toMatch(/^refused to read the log /);
    expect(answer.message).toContain(why);
    expect(reply.body).not.toContain(SECRET);
    if (recorded) expect(await secretReadAt(), 'the secret was read').toBe(0);
  }

  it('refuses a log that is a symbolic link to a file outside', async () => {
    await expectRefused(await plant('linked', (file) => fs.symlink(secretFile, file)), 'it is a link');
  });

  it('refuses a log that is a hard link to a file outside', async () => {
    let link = '';
    const urlPath = await plant('hardlinked', (file) => fs.link(secretFile, (link = file)));
    try {
      await expectRefused(urlPath, 'it has other names (hard links)');
    } finally {
      await fs.rm(link);
    }
  });

  it('refuses a log whose task folder is a link to a folder outside', async () => {
    const dir = taskDataDir(harness.home, BOARD, 'folder-linked');
    await fs.mkdir(path.dirname(dir), { recursive: true });
    await fs.symlink(outside, dir);
    await expectRefused(`/api/boards/${BOARD}/tasks/folder-linked/log`, 'its real path is outside the data folder');
  });

  it('refuses a FIFO planted under a log’s name at once, instead of hanging on it', async () => {
    const urlPath = await plant('fifo', (file) => execa('mkfifo', [file]).then(() => undefined));
    await expectRefused(urlPath, 'it is not a regular file');
  });

  it('refuses a log path named by a status when it is outside the task’s data folder, without opening it', async () => {
    const recorded = await filesystemRecordsReads();
    const climbing = `${taskDataDir(harness.home, BOARD, 'hello')}/../../../../../${path.relative(path.dirname(harness.home), secretFile)}`;
    for (const statusPath of [secretFile, climbing]) {
      const answer = await readTaskLog({ home: harness.home, boardId: BOARD, taskId: 'hello', statusPath });
      expect(answer).toMatchObject({
        found: false,
        message: expect.stringContaining("is not in this server's data folder") as string,
      });
      expect(JSON.stringify(answer)).not.toContain(SECRET);
    }
    if (recorded) expect(await secretReadAt(), 'the secret was read').toBe(0);
    await expect(readTaskLog({ home: harness.home, boardId: '../x', taskId: 'hello' })).rejects.toThrow(
      /^board id: "..\/x" is not a safe id/,
    );
  });
});
