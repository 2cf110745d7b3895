/**
 * A board whose workflow task keeps failing cannot read a cancel signal: its workers run code
 * that cannot replay its history (here: an upgrade that broke the rule in docs/ARCHITECTURE.md,
 * the commonest case; a payload over the server's limit or a bug in the workflow code end the
 * same way). `todone cancel` still ends it, by terminating it, and says so plainly; a healthy
 * board is cancelled by its own workflow as before.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardStatus } from '../../src/core/run-state.js';
import { makeBoard } from '../support/boards.js';
import { openBuildWorkers, type BuildWorkers } from '../support/build-workers.js';
import { runCli } from '../support/cli.js';
import { waitFor } from '../support/wait-for.js';
import { bundleCurrent, bundleEdited, lowerThresholdUnpatched } from '../support/workflow-builds.js';

let w: BuildWorkers;
let buildA: string;
let incompatible: string;
beforeAll(async () => {
  w = await openBuildWorkers();
  buildA = await bundleCurrent();
  incompatible = await bundleEdited(lowerThresholdUnpatched);
});
afterAll(async () => w?.close());

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const gate = (dir: string) => `while [ ! -f ${path.join(dir, 'never')} ]; do sleep 0.05; done`;

async function untilStatus(boardId: string, taskQueue: string, what: string, done: (s: BoardStatus) => boolean) {
  return waitFor(what, async () => {
    const status = (await w.boards(taskQueue).snapshot(boardId, 5_000)).status;
    return status !== undefined && done(status);
  });
}

describe('cancelling a board', () => {
  it('whose workflow task keeps failing: todone cancel terminates it and says why', async () => {
    const dir = await w.tempDir();
    const home = await w.tempDir('todone-cli-home-');
    const taskQueue = `stuck-${randomUUID()}`;
    const board = makeBoard(`stuck-${randomUUID().slice(0, 8)}`, dir, [
      { id: 'first', command: 'true' },
      {
        id: 'long',
        dependsOn: ['first'],
        // Each attempt's shell says its pid; the first dies with worker A, the second runs on B's worker.
        command: `echo $$ >> long.pids; ${gate(dir)}`,
        retry: { maxAttempts: 2 },
        // Its pid is looked up on the host: confined, `$$` would be its pid in the sandbox's own namespace.
        sandbox: 'none',
      },
    ]);
    const a = await w.start(buildA, taskQueue);
    const { handle } = await w.boards(taskQueue).startOrAttach(board);
    await untilStatus(board.id, taskQueue, 'long to run on build A', (s) => s.tasks[1]?.state === 'running');
    await a.stop();
    // Workers whose code decides otherwise than the history says: every workflow task fails.
    const b = await w.start(incompatible, taskQueue);
    const pids = async () =>
      (await fs.readFile(path.join(dir, 'long.pids'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
    const second = await waitFor('the second attempt of long to run on B', async () => (await pids())[1]);
    try {
      const cli = await runCli(['cancel', board.id, '--reason', 'stop it'], {
        env: { TEMPORAL_ADDRESS: inject('temporalAddress'), TODONE_HOME: home, TODONE_TASK_QUEUE: taskQueue },
      });
      expect(cli.stderr).toBe('');
      expect(cli.exitCode).toBe(0);
      expect(cli.stdout).toMatch(
        new RegExp(
          `^Board "${board.id}" could not read the cancellation: The board's workflow keeps failing \\(attempt \\d+, NON_DETERMINISTIC_ERROR: .*\\)\\. What to do: .*\\nIt was terminated instead: its running tasks stop at their next heartbeat, nothing more is merged\\.$`,
        ),
      );
      const description = await handle.describe();
      expect(description.status.name).toBe('TERMINATED');
      const history = await handle.fetchHistory();
      const terminated = history.events?.at(-1)?.workflowExecutionTerminatedEventAttributes;
      expect(terminated?.reason).toMatch(
        /^stop it; its workflow task keeps failing \(NON_DETERMINISTIC_ERROR: .+\), so it was terminated$/,
      );
      // Said once, not a stack.
      expect(cli.stdout).not.toMatch(/\n\s+at /);
      // The attempt running on B learns at its next heartbeat that its workflow is gone, and its process is killed.
      await waitFor(`the second attempt's process (${second}) to be killed`, () => !alive(second));
    } finally {
      await b.stop();
    }
    expect(await pids()).toHaveLength(2);
  });

  it('that is healthy: its own workflow stops the running task, and the client says it was cancelled', async () => {
    const dir = await w.tempDir();
    const taskQueue = `healthy-${randomUUID()}`;
    const board = makeBoard(`healthy-${randomUUID().slice(0, 8)}`, dir, [{ id: 'long', command: gate(dir) }]);
    const worker = await w.start(buildA, taskQueue);
    try {
      const boards = w.boards(taskQueue);
      const { handle } = await boards.startOrAttach(board);
      await untilStatus(board.id, taskQueue, 'long to run', (s) => s.counts.running === 1);
      expect(await boards.cancelBoard(board.id, 'enough')).toEqual({ how: 'cancelled' });
      const result = await handle.result();
      expect(result.state).toBe('cancelled');
      expect(result.tasks[0]).toMatchObject({ state: 'cancelled', reason: 'enough' });
    } finally {
      await worker.stop();
    }
  });

  it('that no worker serves: the cancellation is queued, and applies when one does', async () => {
    const dir = await w.tempDir();
    const taskQueue = `unserved-${randomUUID()}`;
    const board = makeBoard(`unserved-${randomUUID().slice(0, 8)}`, dir, [{ id: 'never-ran', command: 'touch ran' }]);
    const boards = w.boards(taskQueue);
    const { handle } = await boards.startOrAttach(board);
    expect(await boards.cancelBoard(board.id, 'not today', { waitMs: 1_000 })).toEqual({ how: 'queued' });
    const worker = await w.start(buildA, taskQueue);
    try {
      const result = await handle.result();
      expect(result.state).toBe('cancelled');
      await expect(fs.access(path.join(dir, 'ran'))).rejects.toThrow(/ENOENT/);
    } finally {
      await worker.stop();
    }
  });
});
