/**
 * Boards are searchable in Temporal: started with their search attributes, TodoneState set to the
 * final state when they end, so "all failed boards of repo X" is one visibility query. Visibility
 * is eventually consistent, so the query is polled (bounded).
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { BOARD_ID_ATTRIBUTE, BOARD_NAME_ATTRIBUTE, REPO_ATTRIBUTE, STATE_ATTRIBUTE } from '../../workflows/api.js';
import { createRepo } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function workflowIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of h.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

describe('search attributes', () => {
  it('find the failed boards of one repository, and nothing else', async () => {
    const dir = await h.tempDir();
    const repoX = await createRepo(path.join(dir, 'x'));
    const repoY = await createRepo(path.join(dir, 'y'));
    const run = randomUUID().slice(0, 8);
    const board = (id: string, repo: string, command: string) => ({
      name: `Search ${id}`,
      id: `${id}-${run}`,
      repo,
      expectChanges: false,
      retry: { maxAttempts: 1 },
      agent: command,
      tasks: [{ id: 'only' }],
    });
    const boards = [
      board('x-fails', repoX, 'exit 3'),
      board('x-passes', repoX, 'true'),
      board('y-fails', repoY, 'exit 3'),
    ];

    const results = await h.withWorker(async (client) => {
      const started = await Promise.all(boards.map((document) => client.startDocument(document, { baseDir: dir })));
      expect(started.map((s) => s.searchable)).toEqual([true, true, true]);
      return Promise.all(started.map((s) => s.handle.result()));
    });
    expect(results.map((r) => r.state)).toEqual(['failed', 'completed', 'failed']);

    const query = `TodoneState = 'failed' AND TodoneRepo = '${repoX}'`;
    const expected = [`todone-board-x-fails-${run}`];
    const found = await waitFor(
      `visibility to answer ${query}`,
      async () => {
        const ids = await workflowIds(query);
        return ids.length >= expected.length ? ids : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(found).toEqual(expected);

    const description = await h.client.workflow.getHandle(expected[0]!).describe();
    expect(description.typedSearchAttributes.get(BOARD_ID_ATTRIBUTE)).toBe(`x-fails-${run}`);
    expect(description.typedSearchAttributes.get(BOARD_NAME_ATTRIBUTE)).toBe(`Search x-fails`);
    expect(description.typedSearchAttributes.get(REPO_ATTRIBUTE)).toBe(repoX);
    expect(description.typedSearchAttributes.get(STATE_ATTRIBUTE)).toBe('failed');
    expect(await description.staticSummary()).toBe('Search x-fails (1 tasks)');
    expect(await description.staticDetails()).toContain(`Repository \`${repoX}\``);
  });

  it('a second start of the same document joins the running board', async () => {
    const dir = await h.tempDir();
    const id = `join-${randomUUID().slice(0, 8)}`;
    const document = { name: 'Joined', id, agent: 'sleep 1', tasks: [{ id: 'a' }] };
    const [first, second, result] = await h.withWorker(async (client) => {
      const one = await client.startDocument(document, { baseDir: dir });
      const two = await client.startDocument(document, { baseDir: dir });
      return [one, two, await one.handle.result()] as const;
    });
    expect(first.attached).toBe(false);
    expect(second.attached).toBe(true);
    expect(second.handle.workflowId).toBe(first.handle.workflowId);
    expect(result.state).toBe('completed');
  });

  it('a bad document is refused before anything starts, with every problem', async () => {
    const dir = await h.tempDir();
    const error = await h.withWorker(async (client) =>
      client
        .startDocument(
          { name: 'Bad', maxParallel: 0, tasks: [{ id: 'a', agent: 'true', dependsOn: 'zz' }] },
          { baseDir: dir },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual(
      expect.arrayContaining([
        { path: 'maxParallel', message: 'expected a positive integer, got 0' },
        { path: 'tasks[0].dependsOn[0]', message: 'unknown task "zz"' },
      ]),
    );
  });
});
