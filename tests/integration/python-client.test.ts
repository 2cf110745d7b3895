/**
 * Any language starts a board with the published contract alone: Python scripts using only the
 * official temporalio SDK (tests/fixtures/python) start a board document, wait for the result and
 * read the status query; a bad board comes back as an InvalidBoard failure with every problem in
 * its details, answers its status query with them and is found among the failed boards; a board
 * answers a query the moment it is started; tasks are added in the board file's own shape; a
 * succeeded task's output tail, summary and TODONE_OUTPUT are read remotely; a failed board is
 * resumed through the documented `resume` field, keeping what succeeded. A Todone worker serves
 * the queue meanwhile.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { claudeInvocation, cliPath } from '../fixtures/model-server/clis.js';
import { startModelServer } from '../fixtures/model-server/server.js';
import type { BoardGraphPage, BoardResult, BoardStatus } from '../../workflows/api.js';
import { pythonEnv } from '../support/python-tools.js';
import { skipWithout } from '../support/test-tools.js';

const script = fileURLToPath(new URL('../fixtures/python/start_board.py', import.meta.url));
const contractClient = fileURLToPath(new URL('../fixtures/python/contract_client.py', import.meta.url));

const skip = skipWithout('python temporalio');

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** Runs the Python client while a Todone worker serves a fresh queue; its stdout is one JSON object. */
async function fromPython(document: Record<string, unknown>, baseDir: string): Promise<Record<string, unknown>> {
  return h.withWorker(async (_boards, taskQueue) => {
    const { stdout } = await execa(
      'python3',
      [script, inject('temporalAddress'), taskQueue, baseDir, JSON.stringify(document)],
      {
        env: pythonEnv(),
        timeout: 120_000,
      },
    );
    return JSON.parse(stdout) as Record<string, unknown>;
  });
}

interface PythonFailure {
  type: string;
  non_retryable: boolean;
  message: string;
  details: unknown[];
}

/** What each mode of contract_client.py prints: the contract's own shapes, as JSON. */
interface Answers {
  'query-at-once': { first: BoardStatus; result: BoardResult };
  invalid: { failure: PythonFailure; found: string[]; status: BoardStatus };
  'add-tasks': { added: { added: string[] }; refused: PythonFailure; result: BoardResult; graph: BoardGraphPage };
  output: { result: BoardResult; status: BoardStatus };
  resume: { first: BoardResult; second: BoardResult };
}

/** One mode of contract_client.py while a Todone worker serves a fresh queue. */
async function contract<M extends keyof Answers>(
  mode: M,
  document: Record<string, unknown>,
  baseDir: string,
): Promise<Answers[M]> {
  return h.withWorker(async (_boards, taskQueue) => {
    const { stdout, exitCode } = await execa(
      'python3',
      [contractClient, mode, inject('temporalAddress'), taskQueue, baseDir, JSON.stringify(document)],
      { env: pythonEnv(), timeout: 120_000, reject: false },
    );
    const answer = JSON.parse(stdout) as Answers[M] & { error?: string };
    expect(answer.error, `contract_client.py ${mode}`).toBeUndefined();
    expect(exitCode).toBe(0);
    return answer;
  });
}

describe.skipIf(skip)('a board started from Python', () => {
  it('runs, and its result and status query read as the contract says', async () => {
    const dir = await h.tempDir();
    const id = `py-${randomUUID().slice(0, 8)}`;
    const answer = await fromPython(
      {
        name: 'From Python',
        id,
        agent: 'echo "$TODONE_TASK_ID" >> ran.txt',
        tasks: [{ id: 'a' }, { id: 'b', dependsOn: 'a' }],
      },
      dir,
    );
    expect(answer.result).toMatchObject({
      boardId: id,
      name: 'From Python',
      state: 'completed',
      counts: { total: 2, succeeded: 2 },
      tasks: [
        expect.objectContaining({ id: 'a', state: 'succeeded' }),
        expect.objectContaining({ id: 'b', state: 'succeeded' }),
      ],
    });
    expect(answer.status).toMatchObject({ boardId: id, state: 'completed', counts: { total: 2, succeeded: 2 } });
    expect(await readFile(path.join(dir, 'ran.txt'), 'utf8')).toBe('a\nb\n');
  });

  it('gets every problem of a bad board back as the failure details', async () => {
    const dir = await h.tempDir();
    const id = `py-bad-${randomUUID().slice(0, 8)}`;
    const answer = await fromPython(
      {
        name: 'Bad',
        id,
        maxParallel: 0,
        tasks: [
          { id: 'a', agent: 'true', dependsOn: ['zz'] },
          { id: 'a', agent: 'true', typo: 1 },
        ],
      },
      dir,
    );
    const failure = answer.failure as {
      type: string;
      non_retryable: boolean;
      message: string;
      details: { source: string; issues: unknown[] }[];
    };
    expect(failure).toMatchObject({ type: 'InvalidBoard', non_retryable: true });
    expect(failure.message).toMatch(/^the board document is invalid \(\d+ problems\):/);
    expect(failure.details[0]!.issues).toEqual(
      expect.arrayContaining([
        { path: 'maxParallel', message: 'expected a positive integer, got 0' },
        { path: 'tasks[0].dependsOn[0]', message: 'unknown task "zz"' },
        { path: 'tasks[1].id', message: 'duplicate id "a" (first used at tasks[0])' },
        expect.objectContaining({ path: 'tasks[1].typo' }),
      ]),
    );
  });

  it('answers its status query the moment it is started', async () => {
    const dir = await h.tempDir();
    const id = `py-now-${randomUUID().slice(0, 8)}`;
    const answer = await contract('query-at-once', { name: 'At once', id, agent: 'true', tasks: [{ id: 'a' }] }, dir);
    // Whether the worker had checked the document yet or not, the query answered: never "no handler".
    expect(['starting', 'running', 'completed']).toContain(answer.first.state);
    expect(answer.first.boardId).toBe(id);
    expect(answer.result.state).toBe('completed');
  });

  it('finds an invalid board among the failed ones, and its status says why', async () => {
    const dir = await h.tempDir();
    const id = `py-invalid-${randomUUID().slice(0, 8)}`;
    const answer = await contract(
      'invalid',
      { name: 'Invalid from Python', id, tasks: [{ id: 'a', agent: 'true', dependsOn: 'zz' }] },
      dir,
    );
    expect(answer.failure).toMatchObject({ type: 'InvalidBoard', non_retryable: true });
    expect(answer.found).toEqual([`todone-board-${id}`]);
    expect(answer.status).toMatchObject({
      state: 'failed',
      invalid: { issues: [{ path: 'tasks[0].dependsOn[0]', message: 'unknown task "zz"' }] },
    });
  });

  it('adds tasks written as in a board file, and gets a non-retryable refusal naming a misspelt field', async () => {
    const dir = await h.tempDir();
    const id = `py-add-${randomUUID().slice(0, 8)}`;
    const answer = await contract(
      'add-tasks',
      {
        name: 'Added from Python',
        id,
        agent: 'echo "$TODONE_TASK_ID" >> ran.txt',
        tasks: [
          { id: 'base', agent: `while [ ! -f ${path.join(dir, 'go')} ]; do sleep 0.05; done; echo base >> ran.txt` },
        ],
      },
      dir,
    );
    expect(answer.added).toEqual({ added: ['child', 'late'] });
    expect(answer.refused).toMatchObject({ type: 'RequestRefused', non_retryable: true });
    expect(answer.refused.message).toMatch(/tasks\[0\]\.agnet: unknown field \(did you mean "agent"\?\)/);
    expect(answer.result.state).toBe('completed');
    expect(answer.graph.tasks.map((t) => [t.id, t.dependsOn])).toEqual([
      ['base', []],
      ['child', ['base']],
      ['late', ['child']],
    ]);
    expect(await readFile(path.join(dir, 'ran.txt'), 'utf8')).toBe('base\nchild\nlate\n');
  });

  it("reads a succeeded task's output tail, summary and TODONE_OUTPUT remotely", async () => {
    const dir = await h.tempDir();
    const id = `py-output-${randomUUID().slice(0, 8)}`;
    const model = await startModelServer({ turns: [{ text: 'Checked the notes: all in order.' }] });
    const claudeHome = await h.tempDir('todone-py-claude-');
    const claude = await claudeInvocation({ serverUrl: model.url, cwd: dir, home: claudeHome, prompt: '' });
    const { ANTHROPIC_API_KEY: key, ...env } = claude.env;
    // A secret is named in the board and read from the worker's environment (this process hosts the worker).
    process.env.TODONE_PY_TEST_ANTHROPIC_KEY = key;
    try {
      const answer = await contract(
        'output',
        {
          name: 'Output from Python',
          id,
          tasks: [
            {
              id: 'count',
              agent: `for i in $(seq 1 300); do echo "counted $i"; done; printf '{"count": 300}' > "$TODONE_OUTPUT"`,
            },
            {
              id: 'review',
              sandbox: 'none',
              agent: {
                kind: 'claude',
                bin: cliPath('claude'),
                env: { ...env, ANTHROPIC_API_KEY: { fromEnv: 'TODONE_PY_TEST_ANTHROPIC_KEY' } },
              },
            },
          ],
        },
        dir,
      );
      for (const read of [answer.result, answer.status]) {
        const count = read.tasks.find((t) => t.id === 'count')!;
        expect(count).toMatchObject({ state: 'succeeded', output: { count: 300 } });
        expect(count.outputTail).toMatch(/counted 299\ncounted 300\n$/);
        expect(count.outputTail!.length).toBeLessThanOrEqual(512);
        const review = read.tasks.find((t) => t.id === 'review')!;
        expect(review).toMatchObject({
          state: 'succeeded',
          agent: 'claude',
          summary: 'Checked the notes: all in order.',
        });
      }
    } finally {
      delete process.env.TODONE_PY_TEST_ANTHROPIC_KEY;
      await model.close();
    }
  });

  it('resumes a failed board through the resume field, keeping the task that succeeded', async () => {
    const dir = await h.tempDir();
    const id = `py-resume-${randomUUID().slice(0, 8)}`;
    const answer = await contract(
      'resume',
      {
        name: 'Resumed from Python',
        id,
        retry: { maxAttempts: 1 },
        tasks: [
          { id: 'a', agent: 'echo a >> runs.txt' },
          { id: 'b', dependsOn: 'a', agent: `test -f ${path.join(dir, 'fixed')} && echo b >> runs.txt` },
        ],
      },
      dir,
    );
    expect(answer.first.state).toBe('failed');
    expect(answer.second.state).toBe('completed');
    expect(answer.second.resumedFrom).toMatchObject({ kept: 1, rerun: 0, state: 'failed' });
    expect(answer.second.tasks.find((t) => t.id === 'a')?.kept).toBe(true);
    expect(await readFile(path.join(dir, 'runs.txt'), 'utf8')).toBe('a\nb\n');
  });
});
