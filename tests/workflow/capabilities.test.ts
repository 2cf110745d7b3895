/**
 * Capability routing on real workers: a task that requires capabilities runs only on a worker
 * offering all of them, plain tasks run anywhere, and a task no live worker can take is said to
 * wait for one (from the server's pending activities and the capability queue's pollers) until a
 * worker that offers them starts and takes it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BoardClient } from '../../src/client/board-client.js';
import { describeWait } from '../../src/client/capability-waits.js';
import type { BoardSpec } from '../../src/core/board.js';
import { createTodoneWorker, type TodoneWorker } from '../../worker/create-worker.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness;
let connection: NativeConnection;
let code: string;
const running: { worker: TodoneWorker; run: Promise<void>; connection: NativeConnection }[] = [];

beforeAll(async () => {
  h = await createHarness();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  code = h.workflowCode;
});
afterAll(async () => {
  for (const { worker } of running) worker.shutdown();
  await Promise.allSettled(running.map((r) => r.run));
  await Promise.allSettled(running.map((r) => r.connection.close()));
  await connection?.close();
  await h?.close();
});

/** A worker with its own data folder (a machine of its own), offering `capabilities`. */
async function startWorker(taskQueue: string, name: string, capabilities: string[] = []) {
  const home = await h.tempDir(`todone-cap-${name}-`);
  const identity = `1@${name}#${randomUUID().slice(0, 6)}`;
  // A connection of its own: the SDK refuses two Workers on one queue over one connection.
  const own = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createTodoneWorker({
    connection: own,
    namespace: 'default',
    taskQueue,
    home,
    workflowBundle: { code },
    identity,
    capabilities,
  });
  running.push({ worker, run: worker.run(), connection: own });
  return { home, identity, worker };
}

/** Each task writes where it ran: its TODONE_OUTPUT file lies in the data folder of the worker that ran it. */
const WHERE = 'echo "$TODONE_OUTPUT" > "$TODONE_TASK_ID.where"; sleep 0.3';

async function ranIn(workdir: string, taskId: string): Promise<string> {
  return (await fs.readFile(path.join(workdir, `${taskId}.where`), 'utf8')).trim();
}

function requiring(board: BoardSpec, requires: Record<string, string[]>): BoardSpec {
  for (const task of board.tasks) if (requires[task.id]) task.requires = requires[task.id];
  return board;
}

describe('capability routing', () => {
  it('runs every gpu task on the worker offering gpu; plain tasks anywhere', async () => {
    const taskQueue = `test-${randomUUID()}`;
    const plain = await startWorker(taskQueue, 'plain');
    const gpu = await startWorker(taskQueue, 'gpu', ['gpu']);
    expect(gpu.worker.taskQueues).toContain(`${taskQueue}@gpu`);
    const workdir = await h.tempDir('todone-cap-work-');
    const gpuTasks = ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'];
    const ids = [...gpuTasks, 'p1', 'p2', 'p3', 'p4'];
    const board = requiring(
      makeBoard(
        `cap-${randomUUID().slice(0, 8)}`,
        workdir,
        ids.map((id) => ({ id, command: WHERE })),
        { maxParallel: ids.length },
      ),
      Object.fromEntries(gpuTasks.map((id) => [id, ['gpu']])),
    );
    const boards = new BoardClient(h.client, taskQueue);
    const { handle } = await boards.startOrAttach(board);
    const result = await handle.result();

    // Unrouted, each gpu task would land on either worker, and all six on one with odds of 1 in 64.
    expect(result.state).toBe('completed');
    for (const id of gpuTasks) {
      expect(await ranIn(workdir, id), `${id} ran in the gpu worker's data folder`).toContain(gpu.home);
      expect(result.tasks.find((t) => t.id === id)!.runs?.map((r) => r.host)).toEqual([gpu.identity]);
    }
    for (const id of ['p1', 'p2', 'p3', 'p4']) {
      const where = await ranIn(workdir, id);
      expect(where.includes(plain.home) || where.includes(gpu.home), `${id} ran on one of the two workers`).toBe(true);
    }
    // Ended tasks do not carry what they required: the status stays as small as before.
    expect(result.tasks.every((t) => t.requires === undefined)).toBe(true);
  });

  it('says a task waits for a worker with its capabilities, and runs it once one starts', async () => {
    const taskQueue = `test-${randomUUID()}`;
    await startWorker(taskQueue, 'plain');
    const workdir = await h.tempDir('todone-cap-work-');
    const board = requiring(
      makeBoard(`wait-${randomUUID().slice(0, 8)}`, workdir, [
        { id: 'prep', command: WHERE },
        { id: 'train', command: WHERE },
        { id: 'report', dependsOn: ['prep', 'train'], command: WHERE },
      ]),
      { train: ['gpu', 'cuda'].sort() },
    );
    const boards = new BoardClient(h.client, taskQueue);
    const { handle } = await boards.startOrAttach(board);

    const queue = `${taskQueue}@cuda+gpu`;
    const snapshot = await waitFor('the status to say train waits for a worker with cuda+gpu', async () => {
      const s = await boards.snapshot(board.id);
      return s.waiting?.length && s.status?.tasks.find((t) => t.id === 'prep')?.state === 'succeeded' ? s : undefined;
    });
    expect(snapshot.waiting).toEqual([{ taskId: 'train', requires: ['cuda', 'gpu'], queue }]);
    expect(describeWait(snapshot.waiting![0]!)).toBe(
      `waiting for a worker with capabilities cuda+gpu (none is polling ${queue})`,
    );
    // The workflow itself says what the running task requires.
    expect(snapshot.status!.tasks.find((t) => t.id === 'train')).toMatchObject({
      state: 'running',
      requires: ['cuda', 'gpu'],
    });

    // A worker with only one of the two does not take it.
    await startWorker(taskQueue, 'gpu-only', ['gpu']);
    const still = await waitFor('a worker offering gpu alone to be polling its queue', async () => {
      const s = await boards.snapshot(board.id);
      const gpuPolled = await h.client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: `${taskQueue}@gpu`, kind: 1 },
        taskQueueType: 2,
      });
      return (gpuPolled.pollers ?? []).length > 0 ? s : undefined;
    });
    expect(still.waiting?.map((w) => w.taskId)).toEqual(['train']);

    const both = await startWorker(taskQueue, 'cuda-gpu', ['gpu', 'cuda']);
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(await ranIn(workdir, 'train')).toContain(both.home);
    expect((await boards.snapshot(board.id)).waiting).toBeUndefined();
  });
});
