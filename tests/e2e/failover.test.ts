/**
 * SIGKILL `todone run` while tasks are in flight, run it again: the attempts the dead worker held
 * are failed over at once (their leftover processes killed first), so the tasks' next attempts
 * start at the restart even though their heartbeat timeout is ten minutes.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardStatus } from '../../src/core/run-state.js';
import { ensureDevServer, stopDevServer } from '../../temporal/dev-server.js';
import { boardWorkflowId, statusQuery } from '../../workflows/api.js';
import { spawnCli } from '../support/cli.js';
import { countRuns } from '../support/evidence.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let home: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-failover-'));
  home = path.join(dir, 'home');
});
afterAll(async () => {
  await stopDevServer(home).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const slow = ['slow1', 'slow2', 'slow3'];
// Each start is logged with its attempt, time and shell pid; the first attempt outlives the test's patience.
const slowAgent =
  'echo "$TODONE_ATTEMPT $(date +%s%3N) $$" >> "$TODONE_TASK_ID.starts"; ' +
  'if [ "$TODONE_ATTEMPT" = 1 ]; then sleep 20; else sleep 1; fi; ' +
  'echo "$TODONE_ATTEMPT" >> "$TODONE_TASK_ID.ends"';
const boardYaml = `
name: failover-board
maxParallel: 4
# Unconfined: a sandboxed task dies with its worker (bubblewrap's --die-with-parent) and has pids of
# its own namespace; this is about the leftovers of a task that outlives its worker.
sandbox: none
# A plain retry would wait ten minutes for this: a retry seen within the test's bounds is the failover's.
heartbeatTimeout: 10m
retry: { maxAttempts: 3, initialInterval: 200ms }
agent: '${slowAgent}'
tasks:
  - { id: quick, agent: 'echo run >> quick.runs' }
${slow.map((id) => `  - { id: ${id} }`).join('\n')}
  - { id: after, dependsOn: [${slow.join(', ')}], agent: 'echo run >> after.runs' }
`;

interface Start {
  attempt: number;
  at: number;
  pid: number;
}

async function starts(id: string): Promise<Start[]> {
  const text = await fs.readFile(path.join(dir, `${id}.starts`), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [attempt, at, pid] = line.split(' ').map(Number);
      return { attempt: attempt!, at: at!, pid: pid! };
    });
}

/** True while any process of the group led by `pid` is left (zombies waiting for init to reap them are gone). */
async function groupAlive(pid: number): Promise<boolean> {
  const entries = await fs.readdir('/proc');
  for (const entry of entries.filter((e) => /^\d+$/.test(e))) {
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state, ppid, pgrp.
    if (fields[2] === String(pid) && fields[0] !== 'Z') return true;
  }
  return false;
}

describe('dead-worker failover', () => {
  it('retries the attempts of a SIGKILLed run within seconds of the restart, after killing their processes', async () => {
    const file = path.join(dir, 'board.yaml');
    await fs.writeFile(file, boardYaml);
    const env = { TODONE_HOME: home };

    const first = spawnCli(['run', file], { cwd: dir, env });
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
      const handle = new Client({ connection }).workflow.getHandle(boardWorkflowId('failover-board'));
      await waitFor(
        'quick to succeed and every slow task to start',
        async () => {
          const status: BoardStatus | undefined = await handle.query(statusQuery).catch(() => undefined);
          const quickDone = status?.tasks.some((t) => t.id === 'quick' && t.state === 'succeeded');
          const started = await Promise.all(slow.map(async (id) => (await starts(id)).length === 1));
          return quickDone && started.every(Boolean);
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      first.kill('SIGKILL');
      expect((await first).signal, 'todone run died by the SIGKILL, not before it').toBe('SIGKILL');
      const firstAttempts = new Map(await Promise.all(slow.map(async (id) => [id, (await starts(id))[0]!] as const)));
      // The dead run's agents live on in their own process groups until someone kills them.
      for (const start of firstAttempts.values()) expect(await groupAlive(start.pid)).toBe(true);

      const second = spawnCli(['run', file, '--json'], { cwd: dir, env });
      await waitFor(
        'every slow task to start its second attempt (failed over: the heartbeat timeout is ten minutes)',
        async () => {
          const all = await Promise.all(slow.map(async (id) => (await starts(id)).find((s) => s.attempt === 2)));
          return all.every(Boolean) ? (all as Start[]) : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 50 },
      );
      for (const start of firstAttempts.values())
        expect(await groupAlive(start.pid), `old attempt's group ${start.pid}`).toBe(false);

      const result = await second;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(String(result.stderr)).toMatch(/Failed over 3 attempt\(s\) held by dead worker \d+@/);
      const final = JSON.parse(String(result.stdout)) as BoardStatus;
      expect(final.tasks.every((t) => t.state === 'succeeded')).toBe(true);
      expect(await countRuns(dir, 'quick')).toBe(1);
      expect(await countRuns(dir, 'after')).toBe(1);
      for (const id of slow) {
        expect((await starts(id)).map((s) => s.attempt)).toEqual([1, 2]);
        // The killed first attempt never finished: only the second one did.
        expect(await fs.readFile(path.join(dir, `${id}.ends`), 'utf8')).toBe('2\n');
      }
    } finally {
      await connection.close();
    }
  });
});
