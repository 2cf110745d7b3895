/**
 * The wire contract: a service in any language starts a board with the document as written (the
 * YAML's fields as JSON) and a base folder; the workflow normalises and checks it with the
 * loader's rules, and a bad board fails at once with every problem in the failure's details.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOARD_WORKFLOW_TYPE,
  boardWorkflowId,
  type BoardResult,
  type BoardWorkflowInput,
} from '../../workflows/api.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('a board sent as a document', () => {
  it("is normalised by the workflow with the loader's defaults, and runs", async () => {
    const dir = await h.tempDir();
    const id = `doc-${randomUUID().slice(0, 8)}`;
    const input: BoardWorkflowInput = {
      document: {
        name: 'From a service',
        id,
        agent: 'echo "$TODONE_TASK_ID" >> ran.txt',
        tasks: [{ id: 'a' }, { id: 'b', dependsOn: 'a' }],
      },
      baseDir: dir,
      overrides: { maxParallel: 1 },
    };
    const result = await h.withWorker(async (_boards, taskQueue) =>
      h.client.workflow.execute<(i: BoardWorkflowInput) => Promise<BoardResult>>(BOARD_WORKFLOW_TYPE, {
        workflowId: boardWorkflowId(id),
        taskQueue,
        args: [input],
      }),
    );
    expect(result).toMatchObject({ boardId: id, name: 'From a service', state: 'completed', maxParallel: 1 });
    expect(await fs.readFile(path.join(dir, 'ran.txt'), 'utf8')).toBe('a\nb\n');
  });

  it('fails at once when invalid, listing every problem with its path', async () => {
    const dir = await h.tempDir();
    const id = `bad-doc-${randomUUID().slice(0, 8)}`;
    const input: BoardWorkflowInput = {
      document: {
        name: 'Bad',
        id,
        maxParallel: 0,
        tasks: [
          { id: 'a', dependsOn: ['zz'], agent: 'true' },
          { id: 'a', agent: 'true', typo: 1 },
        ],
      },
      baseDir: dir,
    };
    const error = await h.withWorker(async (_boards, taskQueue) =>
      h.client.workflow
        .execute(BOARD_WORKFLOW_TYPE, { workflowId: boardWorkflowId(id), taskQueue, args: [input] })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
    );
    expect(error).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = (error as WorkflowFailedError).cause;
    while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const failure = cause as ApplicationFailure;
    expect(failure.type).toBe('InvalidBoard');
    expect(failure.nonRetryable).toBe(true);
    const { issues } = failure.details![0] as { issues: { path: string; message: string }[] };
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'maxParallel', message: 'expected a positive integer, got 0' },
        { path: 'tasks[0].dependsOn[0]', message: 'unknown task "zz"' },
        { path: 'tasks[1].id', message: 'duplicate id "a" (first used at tasks[0])' },
        expect.objectContaining({ path: 'tasks[1].typo' }),
      ]),
    );
    // The same words the CLI prints.
    expect(failure.message).toMatch(/^the board document is invalid \(\d+ problems\):\n {2}maxParallel: /);
  });
});
