/**
 * A task's worktree removed from under its worker between the step that made it and the agent's run
 * (found by `npm run chaos`, whose faults remove worktrees at random): the attempt fails retryably,
 * naming the worktree, and the retry makes the worktree again and runs the agent there. It used to
 * fail the task for good as a bad `workdir`, and every task after it with it. The runTask activity
 * on a real repository; the removal happens before the call, which makes the moment exact.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareWorktree } from '../../activities/git/worktree.js';
import { createRunTask } from '../../activities/run-task.js';
import type { RunTaskInput } from '../../activities/types.js';
import { FAILURE_TYPES } from '../../workflows/api.js';
import { failure, taskActivityEnvironment } from '../support/activity-failure.js';
import { fixture, git, removeTempDirs, tempDir } from '../support/git-layer.js';

afterAll(removeTempDirs);

function run(home: string, input: RunTaskInput, attempt: number): Promise<unknown> {
  const env = taskActivityEnvironment({ attempt, heartbeatTimeoutMs: 2_000 });
  return env.run(createRunTask({ home }), input);
}

describe('a worktree removed before the agent runs', () => {
  it('fails the attempt retryably, and the retry runs in a new worktree', async () => {
    const { repo, config } = await fixture();
    const home = await tempDir('todone-home-');
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const worktree = { git: config, boardId: 'gone-board', taskId: 'gone', startSha };
    const prepared = await prepareWorktree(worktree);
    const input: RunTaskInput = {
      boardId: 'gone-board',
      taskId: 'gone',
      type: 'build',
      description: 'Write out.txt.',
      workdir: prepared.path,
      worktree,
      agent: { kind: 'shell', command: 'echo ran > out.txt', env: {}, sandbox: 'none' },
    };
    await fs.rm(prepared.path, { recursive: true, force: true });

    const error = await failure(run(home, input, 1));
    expect(error.type).toBe(FAILURE_TYPES.taskFailed);
    expect(error.nonRetryable).toBe(false);
    expect(error.message).toBe(
      `the worktree ${prepared.path} is gone (removed from under the worker): the retry makes it again`,
    );

    await run(home, input, 2);
    expect(await fs.readFile(path.join(prepared.path, 'out.txt'), 'utf8')).toBe('ran\n');
  });

  it('a board without worktrees still refuses a missing workdir for good', async () => {
    const home = await tempDir('todone-home-');
    const workdir = path.join(await tempDir(), 'missing');
    const input: RunTaskInput = {
      boardId: 'plain-board',
      taskId: 'plain',
      type: 'build',
      description: 'Nothing.',
      workdir,
      agent: { kind: 'shell', command: 'true', env: {}, sandbox: 'none' },
    };
    const error = await failure(run(home, input, 1));
    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toBe(`workdir ${workdir} does not exist or is not a folder`);
  });
});
