/**
 * `todone run` attaching to a board an older Todone started (its memo's todoneVersion): it says
 * so on stderr, hosts this version's worker, and the board completes with each task run once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadBoardFile } from '../../src/board/load.js';
import { boardHash } from '../../src/client/board-client.js';
import { BOARD_WORKFLOW_TYPE, boardWorkflowId, type BoardWorkflowInput } from '../../workflows/api.js';
import { runCli } from '../support/cli.js';

let dir: string;
let connection: Connection;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-older-'));
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('todone run on a board started by an older Todone', () => {
  it('says which version started it, attaches, and finishes it', async () => {
    const id = `older-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    await fs.writeFile(
      file,
      `name: ${id}\ntasks:\n  - { id: a, agent: "echo run >> a.runs" }\n  - { id: b, agent: "echo run >> b.runs", dependsOn: [a] }\n`,
    );
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TODONE_HOME: path.join(dir, 'home'),
      TODONE_TASK_QUEUE: `cli-${randomUUID()}`,
    };

    // What Todone 0.0.1 would have sent: the loaded board, with its version in the memo. No
    // worker serves the queue until `todone run` brings one.
    const board = await loadBoardFile(file, { home: env.TODONE_HOME });
    const input: BoardWorkflowInput = { board };
    await new Client({ connection }).workflow.start(BOARD_WORKFLOW_TYPE, {
      workflowId: boardWorkflowId(board.id),
      taskQueue: env.TODONE_TASK_QUEUE,
      args: [input],
      memo: { boardHash: boardHash(board), todoneVersion: '0.0.1' },
    });

    const result = await runCli(['run', file], { env });
    expect(result.stdout).toContain(`Board "${id}" is already running: attaching to it`);
    expect(result.stderr).toMatch(
      /Note: this run was started by Todone 0\.0\.1; this is Todone \d+\.\d+\.\d+\S*\. It goes on under this version's workers\./,
    );
    // The same board file: only the version differs.
    expect(result.stderr).not.toContain('changed since this run started');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('completed: 2/2 succeeded');
    for (const task of ['a', 'b'])
      expect(await fs.readFile(path.join(dir, `${task}.runs`), 'utf8'), task).toBe('run\n');
  });
});
