/**
 * A task's attempts on two machines: two workers with their own data folders on one task queue,
 * the first attempt on one, the retry on the other. The retry knows what the first spent (the
 * task's budget holds) and the result says where each attempt ran and left its log, because the
 * facts travel in the activity's heartbeat details, not on either worker's disk.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { carriedFacts } from '../../activities/attempt-facts.js';
import { BoardClient } from '../../src/client/board-client.js';
import { taskDataDir } from '../../src/data-dir.js';
import type { TaskStatus } from '../../src/core/run-state.js';
import { formatAttemptHosts } from '../../src/cli/format/task-table.js';
import { createTodoneWorker, type TodoneWorker } from '../../worker/create-worker.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness;
let connection: NativeConnection;
let code: string;
beforeAll(async () => {
  h = await createHarness();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  code = h.workflowCode;
});
afterAll(async () => {
  await connection?.close();
  await h?.close();
});

// Prints aider's token report: 2.3k sent, 120 received, $0.0123.
const aider = fileURLToPath(new URL('../fixtures/fake-aider/aider', import.meta.url));
const ONE_RUN = { inputTokens: 2300, outputTokens: 120, costUsd: 0.0123 };

describe('attempts of one task on two workers', () => {
  it('the retry on the other worker honours the budget spent by the first, and the result names both hosts and logs', async () => {
    const workdir = await h.tempDir('todone-fleet-work-');
    const [homeA, homeB] = [await h.tempDir('todone-fleet-a-'), await h.tempDir('todone-fleet-b-')];
    const taskQueue = `test-${randomUUID()}`;
    // Worker A stops polling before any first attempt ends, so every retry can only go to worker B.
    const retry = { maxAttempts: 3, initialIntervalMs: 100, backoffCoefficient: 1 };
    const released = path.join(workdir, 'worker-a-stopping');
    const board = makeBoard(`fleet-${randomUUID().slice(0, 8)}`, workdir, [
      { id: 'budgeted', retry },
      { id: 'retried', retry },
    ]);
    for (const task of board.tasks) {
      task.agent = { kind: 'aider', model: 'gpt-4o', args: [], env: {}, bin: aider };
      // The first attempt fails its check after its agent has reported usage, once worker A is stopping.
      task.validate = [
        {
          run: `test "$TODONE_ATTEMPT" -ge 2 || { until [ -f ${released} ]; do sleep 0.05; done; exit 1; }`,
          required: true,
        },
      ];
    }
    board.tasks[0]!.budget = { tokens: 2_000 };

    const identities = { a: `1@machine-a#${randomUUID().slice(0, 6)}`, b: `2@machine-b#${randomUUID().slice(0, 6)}` };
    const start = (home: string, identity: string) =>
      createTodoneWorker({ connection, namespace: 'default', taskQueue, home, workflowBundle: { code }, identity });
    const boards = new BoardClient(h.client, taskQueue);

    const workerA = await start(homeA, identities.a);
    const runA = workerA.run();
    const { handle } = await boards.startOrAttach(board);
    // While an attempt runs, the status names its worker (from the server's pending activities).
    await waitFor('the status to name the worker running the first attempts', async () => {
      const { runningHosts, runningAttempts } = await boards.snapshot(board.id);
      return (
        runningHosts.retried === identities.a &&
        runningAttempts.retried === 1 &&
        runningHosts.budgeted === identities.a &&
        runningAttempts.budgeted === 1
      );
    });
    // A stopping worker takes no new work but finishes what it holds: the first attempts fail on A.
    workerA.shutdown();
    await fs.writeFile(released, '');
    await runA;
    // Both first attempts have failed and their retries wait for a worker.
    const pending = await waitFor(
      'both tasks to wait for their second attempt',
      async () => {
        const activities = (await handle.describe()).raw.pendingActivities ?? [];
        return activities.length === 2 && activities.every((p) => (p.attempt ?? 0) >= 2) && activities;
      },
      { timeoutMs: 60_000 },
    );

    // The facts the failed attempt heartbeated just before throwing reached the server with its
    // failure: its run has ended and its usage is counted (a throttled heartbeat would lack both).
    for (const activity of pending) {
      const details = defaultPayloadConverter.fromPayload(activity.heartbeatDetails!.payloads![0]!);
      expect(carriedFacts(details)).toEqual({
        usage: ONE_RUN,
        runs: [
          {
            attempt: 1,
            host: identities.a,
            log: expect.stringMatching(/attempt-1\.log$/) as string,
            startedAt: expect.any(Number) as number,
            endedAt: expect.any(Number) as number,
            usage: ONE_RUN,
          },
        ],
      });
    }

    const workerB = await start(homeB, identities.b);
    const runB = workerB.run();
    let tasks: TaskStatus[];
    try {
      tasks = (await handle.result()).tasks;
    } finally {
      await stop(workerB, runB);
    }
    const task = (id: string) => tasks.find((t) => t.id === id)!;

    // Worker B has no record of attempt 1 on its disk: the budget still counts it.
    expect(task('budgeted')).toMatchObject({
      state: 'failed',
      attempts: 1,
      usage: ONE_RUN,
      reason: 'task budget used up: spent 2420 of a 2000-token budget',
    });
    expect(task('budgeted').runs?.map((r) => r.host)).toEqual([identities.a]);
    // Refused before it ran anything: B has no log of it.
    await expect(fs.access(path.join(taskDataDir(homeB, board.id, 'budgeted'), 'attempt-2.log'))).rejects.toThrow();

    const retried = task('retried');
    expect(retried).toMatchObject({
      state: 'succeeded',
      attempts: 2,
      usage: { inputTokens: 4600, outputTokens: 240, costUsd: 0.0246 },
    });
    expect(retried.runs?.map((r) => [r.attempt, r.host, r.usage])).toEqual([
      [1, identities.a, ONE_RUN],
      [2, identities.b, ONE_RUN],
    ]);
    // Each log is on the disk of the worker that ran the attempt, and only there.
    const [first, second] = retried.runs!;
    expect(first!.log.startsWith(homeA)).toBe(true);
    expect(second!.log.startsWith(homeB)).toBe(true);
    expect(retried.logPath).toBe(second!.log);
    await expect(fs.readFile(first!.log, 'utf8')).resolves.toContain('Tokens: 2.3k sent');
    await expect(fs.readFile(second!.log, 'utf8')).resolves.toContain('Tokens: 2.3k sent');
    expect(second!.startedAt! >= first!.endedAt!).toBe(true);

    // The status names, per task that did not succeed, the host of its last attempt and its log.
    expect(formatAttemptHosts(tasks)).toEqual([
      'Where the latest attempts ran:',
      `  budgeted: attempt 1 on ${identities.a}, log ${task('budgeted').runs![0]!.log}`,
    ]);
  });
});

async function stop(worker: TodoneWorker, run: Promise<void>): Promise<void> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await run;
}
