/**
 * Any language starts a board with the published contract alone: a Python script using only the
 * official temporalio SDK (tests/fixtures/python/start_board.py) starts a board document, waits
 * for the result and reads the status query; a bad board comes back as an InvalidBoard failure
 * with every problem in its details. A Todone worker serves the queue meanwhile.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.js';
import { pythonEnv } from '../support/python-tools.js';

const script = fileURLToPath(new URL('../fixtures/python/start_board.py', import.meta.url));

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

describe('a board started from Python', () => {
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
});
