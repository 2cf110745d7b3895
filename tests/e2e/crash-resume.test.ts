/**
 * The product's promise: kill `todone run` with SIGKILL in the middle of a board, run the same
 * command again, and the board completes with no finished task executed twice. This runs on the
 * embedded default (a dev server the CLI starts itself, state in a temp TODONE_HOME).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardWorkflowId } from '../../workflows/api.js';
import type { BoardStatus } from '../../src/core/run-state.js';
import { ensureDevServer, stopDevServer } from '../../temporal/dev-server.js';
import { statusQuery } from '../../workflows/api.js';
import { runCli, spawnCli } from '../support/cli.js';
import { countRuns } from '../support/evidence.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let home: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-crash-'));
  home = path.join(dir, 'home');
});
afterAll(async () => {
  await stopDevServer(home).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
const boardYaml = `
name: crash-board
maxParallel: 2
# A lost worker is noticed after 2 s without a heartbeat, so the resumed run retries quickly.
heartbeatTimeout: 2s
retry: { maxAttempts: 5, initialInterval: 200ms }
agent: 'echo run >> "$TODONE_TASK_ID.runs"; sleep 1; touch "$TODONE_TASK_ID.end"'
tasks:
  - { id: t1 }
  - { id: t2 }
  - { id: t3, dependsOn: [t1] }
  - { id: t4, dependsOn: [t2] }
  - { id: t5, dependsOn: [t3, t4] }
  - { id: t6, dependsOn: [t5] }
`;

describe('crash and resume', () => {
  it('resumes after SIGKILL and never re-runs a finished task', async () => {
    const file = path.join(dir, 'board.yaml');
    await fs.writeFile(file, boardYaml);
    const env = { TODONE_HOME: home };

    const first = spawnCli(['run', file], { cwd: dir, env });
    // The CLI starts the embedded server; the test talks to the same one.
    const server = await waitFor(
      'the embedded server',
      async () => {
        const state = await fs.readFile(path.join(home, 'temporal', 'server.json'), 'utf8').catch(() => '');
        return state ? ensureDevServer({ dataDir: home }) : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const connection = await Connection.connect({ address: server.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(boardWorkflowId('crash-board'));
      const before = await waitFor(
        'two tasks to succeed',
        async () => {
          const status: BoardStatus | undefined = await handle.query(statusQuery).catch(() => undefined);
          return status && status.counts.succeeded >= 2 && status.counts.succeeded < ids.length ? status : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      first.kill('SIGKILL');
      expect((await first).signal, 'todone run died by the SIGKILL, not before it').toBe('SIGKILL');
      const finishedBeforeKill = before.tasks.filter((t) => t.state === 'succeeded').map((t) => t.id);
      expect(finishedBeforeKill.length).toBeGreaterThanOrEqual(2);

      const second = await runCli(['run', file, '--json'], { cwd: dir, env });
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).toContain('already running: attaching');
      const result = JSON.parse(second.stdout) as BoardStatus;
      expect(result.tasks.every((t) => t.state === 'succeeded')).toBe(true);

      for (const id of finishedBeforeKill) expect(await countRuns(dir, id), `runs of ${id}`).toBe(1);
      for (const id of ids) {
        expect(await countRuns(dir, id)).toBeGreaterThanOrEqual(1);
        await fs.access(path.join(dir, `${id}.end`));
      }
    } finally {
      await connection.close();
    }
  });
});
