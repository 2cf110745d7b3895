import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardResult, TaskStatus } from '../../src/core/run-state.js';
import { makeBoard, timedCommand } from '../support/boards.js';
import { countRuns, maxOverlap, readSpans } from '../support/evidence.js';
import { createHarness, type Harness } from '../support/harness.js';
import { markedSleep, processesWith } from '../support/process-scan.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const uid = (name: string) => `${name}-${randomUUID().slice(0, 8)}`;
const task = (result: BoardResult, id: string): TaskStatus => result.tasks.find((t) => t.id === id)!;

describe('board workflow on a real dev server', () => {
  it('runs a diamond in dependency order and reports the seed metrics', async () => {
    const workdir = await h.tempDir();
    const board = makeBoard(uid('diamond'), workdir, [
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['a'] },
      { id: 'd', dependsOn: ['b', 'c'] },
    ]);
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    expect(result.tasks.map((t) => [t.id, t.state, t.attempts])).toEqual([
      ['a', 'succeeded', 1],
      ['b', 'succeeded', 1],
      ['c', 'succeeded', 1],
      ['d', 'succeeded', 1],
    ]);
    const spans = await readSpans(workdir, ['a', 'b', 'c', 'd']);
    expect(spans.get('b')!.start).toBeGreaterThanOrEqual(spans.get('a')!.end);
    expect(spans.get('c')!.start).toBeGreaterThanOrEqual(spans.get('a')!.end);
    expect(spans.get('d')!.start).toBeGreaterThanOrEqual(Math.max(spans.get('b')!.end, spans.get('c')!.end));
    // b and c had nothing between them: they ran side by side.
    expect(maxOverlap([spans.get('b')!, spans.get('c')!])).toBe(2);
    expect(result.metrics).toMatchObject({ totalTasks: 4, completedTasks: 4, failedTasks: 0, skippedTasks: 0 });
    expect(result.metrics.parallelizationFactor).toBeGreaterThan(0);
    expect(result.metrics.sumOfTaskDurationsMs).toBeGreaterThanOrEqual(4 * 200);
  });

  it('never runs more than maxParallel tasks at once, and does fill the slots', async () => {
    const workdir = await h.tempDir();
    const ids = Array.from({ length: 8 }, (_, i) => `t${i}`);
    const board = makeBoard(
      uid('slots'),
      workdir,
      ids.map((id) => ({ id, command: timedCommand(0.4) })),
      { maxParallel: 3 },
    );
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    const overlap = maxOverlap((await readSpans(workdir, ids)).values());
    expect(overlap).toBe(3);
  });

  it('skips only the dependents of a failed task; independent work carries on', async () => {
    const workdir = await h.tempDir();
    const board = makeBoard(uid('failure'), workdir, [
      { id: 'broken', command: 'echo "compiler exploded" >&2; exit 3', retry: { maxAttempts: 2 } },
      { id: 'after-broken', dependsOn: ['broken'] },
      { id: 'far-after', dependsOn: ['after-broken'] },
      { id: 'independent' },
      { id: 'after-independent', dependsOn: ['independent'] },
    ]);
    const result = await h.run(board);

    expect(result.state).toBe('failed');
    expect(task(result, 'broken')).toMatchObject({ state: 'failed', attempts: 2, exitCode: 3 });
    expect(task(result, 'broken').reason).toContain('exited with code 3: compiler exploded');
    expect(task(result, 'after-broken')).toMatchObject({ state: 'skipped', reason: 'dependency "broken" failed' });
    expect(task(result, 'far-after').state).toBe('skipped');
    expect(task(result, 'independent').state).toBe('succeeded');
    expect(task(result, 'after-independent').state).toBe('succeeded');
    expect(await countRuns(workdir, 'after-broken')).toBe(0);
    expect(result.metrics).toMatchObject({ completedTasks: 2, failedTasks: 1, skippedTasks: 2 });
    const log = await fs.readFile(task(result, 'broken').logPath!, 'utf8');
    expect(log).toContain('compiler exploded');
  });

  it('retries a failing attempt by the task policy and then succeeds', async () => {
    const workdir = await h.tempDir();
    const board = makeBoard(uid('retry'), workdir, [
      {
        id: 'flaky',
        command: 'echo "attempt $TODONE_ATTEMPT" >> attempts.txt; [ "$TODONE_ATTEMPT" -ge 3 ]',
        retry: { maxAttempts: 5, initialIntervalMs: 100, backoffCoefficient: 1 },
      },
    ]);
    const result = await h.run(board);

    expect(task(result, 'flaky')).toMatchObject({ state: 'succeeded', attempts: 3 });
    expect(await fs.readFile(path.join(workdir, 'attempts.txt'), 'utf8')).toBe('attempt 1\nattempt 2\nattempt 3\n');
  });

  it('does not retry a task whose command cannot start', async () => {
    const workdir = await h.tempDir();
    const board = makeBoard(uid('enoent'), workdir, [
      // Unconfined: inside the sandbox bubblewrap starts, fails to exec the program and exits 1,
      // which reads as a task failure and is retried (left to the sandbox's rework to tell apart).
      { id: 'missing', command: ['/definitely/not/a/program'], retry: { maxAttempts: 5 }, sandbox: 'none' },
    ]);
    const result = await h.run(board);
    expect(task(result, 'missing')).toMatchObject({ state: 'failed', attempts: 1 });
    expect(task(result, 'missing').reason).toContain('could not start');
  });

  it('cancelling one task kills its whole process group and skips its dependents', async () => {
    const workdir = await h.tempDir();
    const grandchild = markedSleep();
    const board = makeBoard(uid('cancel-task'), workdir, [
      // The grandchild is what an agent's tool call looks like: it must die with the task.
      { id: 'hang', command: `${grandchild.command} & touch started; wait` },
      { id: 'after-hang', dependsOn: ['hang'] },
      { id: 'other', command: timedCommand(0.1) },
    ]);
    const result = await h.run(board, async (boards) => {
      await waitFor('the task to start its child', async () =>
        fs.access(path.join(workdir, 'started')).then(
          () => true,
          () => false,
        ),
      );
      expect(await processesWith(grandchild.token), 'the grandchild runs').not.toEqual([]);
      const answer = await boards.cancelTask(board.id, 'hang', 'not needed');
      expect(answer).toMatchObject({ accepted: true, queued: false });
    });

    expect(task(result, 'hang')).toMatchObject({ state: 'cancelled', reason: 'not needed' });
    expect(task(result, 'after-hang').state).toBe('skipped');
    expect(task(result, 'other').state).toBe('succeeded');
    expect(await processesWith(grandchild.token), 'what is left of the task').toEqual([]);
  });

  it('cancelling the board kills running tasks and starts nothing new', async () => {
    const workdir = await h.tempDir();
    const long = markedSleep();
    const board = makeBoard(uid('cancel-board'), workdir, [
      { id: 'long', command: `exec ${long.command}` },
      { id: 'next', dependsOn: ['long'] },
    ]);
    const result = await h.run(board, async (boards) => {
      await waitFor('the task to start', async () => (await processesWith(long.token)).length > 0);
      await boards.cancelBoard(board.id, 'stop everything');
    });

    expect(result.state).toBe('cancelled');
    expect(task(result, 'long')).toMatchObject({ state: 'cancelled', reason: 'stop everything' });
    expect(task(result, 'next').state).toBe('cancelled');
    expect(await processesWith(long.token), 'what is left of the task').toEqual([]);
    expect(await countRuns(workdir, 'next')).toBe(0);
  });

  it('answers the status query while the board runs', async () => {
    const workdir = await h.tempDir();
    const board = makeBoard(uid('status'), workdir, [
      { id: 'slow', command: 'touch slow.started; sleep 1' },
      { id: 'later', dependsOn: ['slow'] },
    ]);
    await h.run(board, async (boards) => {
      await waitFor('slow to start', () =>
        fs.access(path.join(workdir, 'slow.started')).then(
          () => true,
          () => false,
        ),
      );
      const snapshot = await boards.snapshot(board.id);
      expect(snapshot.answered).toBe(true);
      expect(snapshot.status?.state).toBe('running');
      expect(snapshot.status?.counts).toMatchObject({ total: 2, running: 1, pending: 1 });
      expect(snapshot.status?.tasks[0]).toMatchObject({ id: 'slow', state: 'running' });
      expect(snapshot.runningAttempts).toEqual({ slow: 1 });
    });
  });

  it('continues as new when its history grows, without re-running finished tasks', async () => {
    const workdir = await h.tempDir();
    const ids = Array.from({ length: 12 }, (_, i) => `n${i}`);
    const board = makeBoard(
      uid('continue'),
      workdir,
      ids.map((id, i) => ({
        id,
        dependsOn: i >= 3 ? [ids[i - 3]!] : [],
        command: 'echo run >> "$TODONE_TASK_ID.runs"',
      })),
      { maxParallel: 3 },
    );
    // About six events per task: this forces several continue-as-new hops on a 12-task board.
    const result = await h.run(board, undefined, { continueAfterEvents: 25 });

    expect(result.state).toBe('completed');
    for (const id of ids) expect(await countRuns(workdir, id), id).toBe(1);
    const handle = h.client.workflow.getHandle(`todone-board-${board.id}`);
    const description = await handle.describe();
    expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
  });

  it('kills a hanging task when its attempt times out, leaving no process behind', async () => {
    const workdir = await h.tempDir();
    const child = markedSleep();
    const board = makeBoard(uid('timeout'), workdir, [
      { id: 'hangs', command: `${child.command} & wait`, timeoutMs: 1_500, retry: { maxAttempts: 1 } },
    ]);
    const result = await h.run(board);

    expect(task(result, 'hangs')).toMatchObject({ state: 'failed' });
    expect(task(result, 'hangs').reason).toMatch(/timed out \(START_TO_CLOSE/);
    await waitFor('the timed-out task to be killed', async () => (await processesWith(child.token)).length === 0, {
      timeoutMs: 10_000,
    });
  });

  it('kills an agent that goes silent for its idleTimeout, while a chatty one runs on', async () => {
    const workdir = await h.tempDir();
    const child = markedSleep();
    const board = makeBoard(uid('idle'), workdir, [
      {
        id: 'silent',
        command: `echo starting; ${child.command} & wait`,
        idleTimeoutMs: 1_000,
        retry: { maxAttempts: 1 },
      },
      { id: 'chatty', command: 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.4; done', idleTimeoutMs: 1_000 },
    ]);
    const result = await h.run(board);

    expect(task(result, 'silent').state).toBe('failed');
    expect(task(result, 'silent').reason).toContain('no output for 1s');
    expect(task(result, 'chatty').state).toBe('succeeded');
    await waitFor('the silent agent to be killed', async () => (await processesWith(child.token)).length === 0, {
      timeoutMs: 10_000,
    });
  });
});
