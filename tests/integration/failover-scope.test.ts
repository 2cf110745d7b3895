/**
 * The failover touches only attempts of a worker known to be dead: an attempt held by a live
 * worker, by a worker of another host, or by a worker with no record runs on untouched; the same
 * attempt is failed over (and retried at once) only once its worker's record says it is dead.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BoardClient } from '../../src/client/board-client.js';
import { taskDataDir } from '../../src/data-dir.js';
import { isRunning, processStartTime } from '../../src/util/processes.js';
import { createTodoneWorker } from '../../worker/create-worker.js';
import { failOverDeadWorkers } from '../../worker/failover.js';
import { writeWorkerRecord, type WorkerRecord } from '../../worker/worker-registry.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness.close();
});

describe('failover scope', () => {
  it('leaves attempts of live, foreign and unrecorded workers alone, and fails over a dead one', async () => {
    const workdir = await harness.tempDir();
    const taskQueue = `test-${randomUUID()}`;
    const boardId = `scope-${randomUUID().slice(0, 8)}`;
    const board = makeBoard(boardId, workdir, [
      {
        id: 'long',
        command: 'echo "$TODONE_ATTEMPT" >> attempts; sleep 60',
        heartbeatTimeoutMs: 60_000,
        retry: { maxAttempts: 3, initialIntervalMs: 100 },
      },
    ]);
    // A worker named as some other process of this host would be.
    const identity = `${process.pid}@${os.hostname()}#scope-${randomUUID().slice(0, 6)}`;
    const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    const worker = await createTodoneWorker({
      connection,
      namespace: 'default',
      taskQueue,
      home: harness.home,
      workflowBundle: { code: harness.workflowCode },
      identity,
    });
    const boards = new BoardClient(harness.client, taskQueue);
    const pidFile = path.join(taskDataDir(harness.home, boardId, 'long'), 'process.json');

    try {
      await worker.runUntil(async () => {
        const { handle } = await boards.startOrAttach(board);
        const pendingAttempt = async () => (await handle.describe()).raw.pendingActivities?.[0];
        await waitFor(
          'the attempt to start',
          async () => (await pendingAttempt())?.lastWorkerIdentity === identity && isRunning(await taskPid()),
          { timeoutMs: 30_000 },
        );

        const failOver = () =>
          failOverDeadWorkers({ client: harness.client, home: harness.home, workflowIds: [handle.workflowId] });
        const untouched = async (why: string) => {
          expect(await failOver(), why).toEqual([]);
          const pending = await pendingAttempt();
          expect(pending?.attempt, why).toBe(1);
          expect(isRunning(await taskPid()), why).toBe(true);
        };
        const base: WorkerRecord = {
          identity,
          hostname: os.hostname(),
          pid: process.pid,
          startTime: processStartTime(process.pid),
          startedAt: new Date().toISOString(),
        };

        await untouched('no record of the worker');
        await writeWorkerRecord(harness.home, base);
        await untouched('a live worker');
        const exited = spawn('true');
        await once(exited, 'exit');
        const gone = exited.pid!;
        await writeWorkerRecord(harness.home, { ...base, hostname: `${os.hostname()}-elsewhere`, pid: gone });
        await untouched('a worker of another host');

        // This worker is in fact alive and would report the killed process's exit itself, racing the
        // failover; without a pid file only the failover ends the attempt (the e2e test covers the kill).
        await fs.rm(pidFile);
        await writeWorkerRecord(harness.home, { ...base, pid: gone });
        const done = await failOver();
        expect(done).toEqual([
          { workflowId: handle.workflowId, activityId: 'task-long', taskId: 'long', attempt: 1, identity },
        ]);
        await waitFor('the second attempt', async () => (await pendingAttempt())?.attempt === 2, { timeoutMs: 10_000 });
        await handle.terminate('test over');
      });
    } finally {
      await connection.close();
    }

    async function taskPid(): Promise<number> {
      const text = await fs.readFile(pidFile, 'utf8').catch(() => '{}');
      return (JSON.parse(text) as { pid?: number }).pid ?? -1;
    }
  });
});
