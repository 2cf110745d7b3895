/**
 * examples/webhook runs as its README says (`node examples/webhook/server.mjs`, importing 'todone'
 * by name): a POST of a board document starts it (202 and the workflow id), the same POST again
 * joins it, a bad board gets its problems back (422), and a request without the token is refused.
 * The example's own worker runs the board against the suite's dev server. Uses the built dist/.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardResult } from '../../workflows/api.js';
import { createHarness, type Harness } from '../support/harness.js';
import { freePort } from '../support/free-port.js';
import { followLines } from '../support/output-lines.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const token = `t-${randomUUID()}`;

let h: Harness;
let server: ResultPromise | undefined;
let url: string;
let baseDir: string;

beforeAll(async () => {
  h = await createHarness();
  baseDir = await h.tempDir();
  const port = await freePort();
  server = execa(process.execPath, [path.join(root, 'examples', 'webhook', 'server.mjs')], {
    cwd: root,
    env: {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TODONE_HOME: h.home,
      TODONE_TASK_QUEUE: `webhook-${randomUUID()}`,
      WEBHOOK_WORKER: '1',
      WEBHOOK_PORT: String(port),
      WEBHOOK_TOKEN: token,
      WEBHOOK_BASE_DIR: baseDir,
    },
    stdin: 'ignore',
    reject: false,
  });
  await followLines(server.stdout).next(/^Todone webhook on /, 'the webhook to listen', 60_000);
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  if (server) {
    server.kill('SIGTERM');
    await server;
  }
  await h?.close();
});

async function post(
  body: unknown,
  auth = `Bearer ${token}`,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/boards`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the webhook example', () => {
  it('starts the posted board, joins it on a second post, and the board runs', async () => {
    const example = JSON.parse(await readFile(path.join(root, 'examples', 'webhook', 'board.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const id = `webhook-${randomUUID().slice(0, 8)}`;
    const document = { ...example, id };
    const first = await post(document);
    expect(first).toEqual({ status: 202, body: { workflowId: `todone-board-${id}`, boardId: id, attached: false } });
    const second = await post(document);
    expect(second).toEqual({ status: 202, body: { workflowId: `todone-board-${id}`, boardId: id, attached: true } });

    const result = (await h.client.workflow.getHandle(`todone-board-${id}`).result()) as BoardResult;
    expect(result.state).toBe('completed');
    expect(result.tasks.map((t) => t.id).sort()).toEqual(['build', 'fetch', 'notify']);

    const status = await fetch(`${url}/boards/${id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ execution: 'COMPLETED', status: { boardId: id, state: 'completed' } });
  });

  it('answers a bad board with every problem, and starts nothing', async () => {
    const answer = await post({ name: 'Bad', maxParallel: 0, tasks: [{ id: 'a', agent: 'true', dependsOn: 'zz' }] });
    expect(answer.status).toBe(422);
    expect(answer.body.issues).toEqual(
      expect.arrayContaining([
        { path: 'maxParallel', message: 'expected a positive integer, got 0' },
        { path: 'tasks[0].dependsOn[0]', message: 'unknown task "zz"' },
      ]),
    );
  });

  it('refuses a request without the token', async () => {
    const answer = await post({ name: 'Sneaky', agent: 'true', tasks: [{ id: 'a' }] }, 'Bearer wrong');
    expect(answer.status).toBe(401);
  });
});
