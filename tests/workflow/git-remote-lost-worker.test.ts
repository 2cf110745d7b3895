/**
 * A remote board whose worktrees always land on a worker that is gone: prepare answers with a
 * queue nobody polls, so every later step waits there until its schedule-to-start bound. The
 * candidate starts over a bounded number of times, then the task fails naming the lost worker;
 * the board does not hang.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { workerQueue } from '../../src/core/capabilities.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { BoardClient } from '../../src/client/board-client.js';
import { installRuntime } from '../../worker/runtime.js';
import { makeBoard } from '../support/boards.js';
import { git } from '../support/git-repo.js';
import { createBareRemote, remoteConfig } from '../support/git-remote.js';
import { removeTempDirs, tempDir } from '../support/git-layer.js';
import { bundleCurrent } from '../support/workflow-builds.js';

let connection: Connection;
let native: NativeConnection;
let code: string;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
  installRuntime();
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
  code = await bundleCurrent();
});
afterAll(async () => {
  await native?.close();
  await connection?.close();
  await removeTempDirs();
});

describe('a remote board that keeps losing the worker holding its worktree', () => {
  it('starts the task over on a new worktree a few times, then fails it naming the worker', async () => {
    const root = await tempDir('todone-lost-');
    const url = await createBareRemote(root, { 'README.md': '# project\n' });
    const taskQueue = `lost-${randomUUID()}`;
    const board = makeBoard(
      `lost-${randomUUID().slice(0, 8)}`,
      root,
      [{ id: 'orphan', command: 'echo x > x.txt', heartbeatTimeoutMs: 2_000, retry: { maxAttempts: 1 } }],
      {
        git: {
          ...remoteConfig(url, { poolSize: 1 }),
          onConflict: 'fail',
          conflictRetries: 1,
          keepFailedWorktrees: true,
        },
      },
    );
    // This worker makes worktrees but names a queue no worker polls as the one holding them.
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowBundle: { code },
      activities: createActivities({ home: path.join(root, 'home'), ownQueue: workerQueue(taskQueue, 'gone-worker') }),
    });
    const started = Date.now();
    const result: BoardResult = await worker.runUntil(async () => {
      const { handle } = await new BoardClient(new Client({ connection }), taskQueue).startOrAttach(board);
      return handle.result();
    });

    const orphan = result.tasks.find((t) => t.id === 'orphan')!;
    expect(orphan.state).toBe('failed');
    expect(orphan.reason).toBe(
      "lost the worker holding its worktree 4 times (gone-worker): each stopped answering before the task's commit was pushed",
    );
    // Four schedule-to-start bounds of 10 s (three heartbeat timeouts, at least 10 s), not a hang.
    expect(Date.now() - started).toBeGreaterThanOrEqual(40_000);
    // Nothing reached the remote but the integration branch at base.
    expect(await git(url, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/todone/'])).toBe(
      `todone/${board.id}/integration`,
    );
  }, 120_000);
});
