/**
 * The worker host as `todone run`, `todone worker` and embedders use it: it serves boards on its
 * queue until shutdown(), which stops every Worker of the group and closes its connection; a
 * refused start (a capability that cannot name a queue) leaves nothing polling behind.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BoardClient } from '../../src/client/board-client.js';
import { connectClient, resolveConnection, type ConnectionTarget } from '../../temporal/connection.js';
import { startWorkerHost } from '../../worker/host.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';

let harness: Harness;
let target: ConnectionTarget;
beforeAll(async () => {
  harness = await createHarness();
  target = await resolveConnection({
    env: { TEMPORAL_ADDRESS: inject('temporalAddress') },
    dataDir: harness.home,
  });
});
afterAll(async () => {
  await harness.close();
});

describe('startWorkerHost', () => {
  it('serves boards on its queue until shutdown, then stops every Worker and its sweep', async () => {
    const { client, connection } = await connectClient(target);
    const taskQueue = `host-${randomUUID()}`;
    const lines: string[] = [];
    const workdir = await harness.tempDir();
    const board = makeBoard(`host-${randomUUID().slice(0, 8)}`, workdir, [
      { id: 'plain', command: 'echo plain > plain.txt' },
      { id: 'gpu', command: 'echo gpu > gpu.txt', dependsOn: ['plain'] },
    ]);
    board.tasks[1]!.requires = ['gpu'];
    const host = await startWorkerHost({
      target,
      client,
      taskQueue,
      home: harness.home,
      capabilities: ['gpu'],
      board,
      log: (line) => lines.push(line),
      workflowBundle: { code: harness.workflowCode },
    });
    try {
      // The board queue, the gpu capability queue, the worker's own queue.
      expect(host.worker.taskQueues).toHaveLength(3);
      expect(host.worker.taskQueues[0]).toBe(taskQueue);
      expect(host.worker.all.map((w) => w.getState())).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
      const { handle } = await new BoardClient(client, taskQueue).startOrAttach(board);
      const result = await handle.result();
      expect(result.tasks.map((t) => [t.id, t.state])).toEqual([
        ['plain', 'succeeded'],
        ['gpu', 'succeeded'],
      ]);
      expect(await fs.readFile(path.join(workdir, 'gpu.txt'), 'utf8')).toBe('gpu\n');
      expect(await host.swept).toMatchObject({ removedWorktrees: 0 });
    } finally {
      expect(await host.shutdown()).toBe(true);
      await connection.close();
    }
    await expect(host.stopped).resolves.toBeUndefined();
    expect(host.worker.all.map((w) => w.getState())).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    // Nothing to fail over, and no codex task on its board: nothing to say.
    expect(lines).toEqual([]);
  });

  it('refuses a capability that cannot name a task queue before it polls anything', async () => {
    const { client, connection } = await connectClient(target);
    try {
      await expect(
        startWorkerHost({
          target,
          client,
          taskQueue: `host-${randomUUID()}`,
          home: harness.home,
          capabilities: ['no spaces/or slashes'],
          log: () => undefined,
          workflowBundle: { code: harness.workflowCode },
        }),
      ).rejects.toThrow(/capabilit/i);
    } finally {
      await connection.close();
    }
  });
});
