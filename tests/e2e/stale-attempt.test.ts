/**
 * A worker paused (SIGSTOP: a long GC, a frozen VM, a starved machine) after an attempt of a task
 * was ready to start its agent, and for longer than the task's heartbeat timeout: Temporal gives
 * the task to a new attempt, which another worker runs. When the paused worker wakes, its attempt
 * must not start the agent as well — the same work twice, and on a git board in the same place.
 * The worker stops itself at the exact moment (TODONE_STOP_AT=task:before-agent); the agent's runs
 * are counted in a marker file. A paused worker with a free slot also holds a waiting poll, which
 * the server can hand the next attempt to: that attempt starts only when the worker wakes, with no
 * silence on its own clock, and must ask the server whether it is still current.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { boardWorkflowId } from '../../workflows/api.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { spawnCli } from '../support/cli.js';
import { followLines } from '../support/output-lines.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'todone-stale-attempt-')));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Whether the process is stopped (SIGSTOP): its state in /proc is T. */
async function isStopped(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

interface Scene {
  runs: string;
  start(name: string, extra?: Record<string, string>, slots?: number): Promise<StartedWorker>;
  /**
   * A worker with `slots` that stops itself (SIGSTOP) just before the agent's first run, and the
   * board submitted to it; resolves once the worker is stopped.
   */
  pausedBeforeAgent(slots: number): Promise<{ paused: StartedWorker; run: ReturnType<typeof spawnCli> }>;
  cleanUp(): Promise<void>;
}

interface StartedWorker {
  child: ReturnType<typeof spawnCli>;
  err: ReturnType<typeof followLines>;
}

/** A one-task board whose agent appends its attempt to a marker file, and workers for it. */
async function scene(
  name: string,
  maxAttempts: number,
  { heartbeatTimeout = '2s', agentTail = '' }: { heartbeatTimeout?: string; agentTail?: string } = {},
): Promise<Scene> {
  const queue = `stale-${randomUUID()}`;
  const runs = path.join(dir, `${name}-runs`);
  const env = (who: string, extra: Record<string, string> = {}) => ({
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TODONE_HOME: path.join(dir, `${name}-home-${who}`),
    TODONE_TASK_QUEUE: queue,
    ...extra,
  });
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    [
      `name: ${name}`,
      // The marker file is the test's, outside any task folder.
      'sandbox: none',
      `heartbeatTimeout: ${heartbeatTimeout}`,
      `retry: { maxAttempts: ${maxAttempts}, initialInterval: 200ms }`,
      'tasks:',
      `  - { id: work, agent: "echo $TODONE_ATTEMPT >> ${runs}${agentTail}" }`,
      '',
    ].join('\n'),
  );
  const children: ReturnType<typeof spawnCli>[] = [];
  const start = async (who: string, extra: Record<string, string> = {}, slots = 1): Promise<StartedWorker> => {
    // --verbose: the worker's log lines on stderr too, where the test reads the woken attempt's.
    const child = spawnCli(['--verbose', 'worker', '--max-concurrent-activities', String(slots)], {
      env: env(who, extra),
    });
    children.push(child);
    const out = followLines(child.stdout);
    const err = followLines(child.stderr);
    await out.next(/Todone worker polling/, `worker ${who} to say it is up`, 60_000);
    return { child, err };
  };
  return {
    runs,
    start,
    async pausedBeforeAgent(slots) {
      const paused = await start('paused', { TODONE_STOP_AT: 'task:before-agent' }, slots);
      const run = spawnCli(['run', '--no-worker', '--json', file], { env: env('client') });
      children.push(run);
      await waitFor('the first worker to stop itself just before the agent', () => isStopped(paused.child.pid!), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      return { paused, run };
    },
    async cleanUp() {
      for (const child of children) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      await Promise.allSettled(children);
    },
  };
}

/**
 * Waits for the server to hand attempt 2 of the board's one task to the paused worker's waiting
 * poll (attempt 1 timed out while paused), and checks that it went there; its pending activity.
 */
async function secondAttemptHandedTo(paused: StartedWorker, connection: Connection, board: string) {
  const handle = new Client({ connection }).workflow.getHandle(boardWorkflowId(board));
  const handedOver = await waitFor(
    'attempt 2 to be handed to the paused worker',
    async () => {
      const pending = (await handle.describe()).raw.pendingActivities?.[0];
      return pending?.attempt === 2 && pending.lastStartedTime ? pending : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  expect(handedOver.lastWorkerIdentity).toContain(String(paused.child.pid));
  return handedOver;
}

async function markers(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
}

describe('an attempt whose worker was paused past its heartbeat timeout', () => {
  it('does not start its agent when the worker wakes: the new attempt ran it, once', async () => {
    const s = await scene('stale-attempt', 3);
    try {
      // One task at a time: no free slot, so no waiting poll (the next test is that case).
      const { paused, run } = await s.pausedBeforeAgent(1);
      await s.start('other');
      const result = JSON.parse(String((await run).stdout)) as BoardResult;
      expect(result.state).toBe('completed');
      expect(await markers(s.runs)).toEqual(['2']);

      // Woken, the paused attempt says why it stops, and the agent does not run again.
      process.kill(paused.child.pid!, 'SIGCONT');
      await paused.err.next(
        /attempt 1 of task work was silent for [\d.]+ s, past its heartbeat timeout of 2\.0 s .* does not start its agent/,
        'the woken attempt to give up before its agent',
        30_000,
      );
      expect(await markers(s.runs)).toEqual(['2']);
    } finally {
      await s.cleanUp();
    }
  }, 180_000);

  it('does not start an attempt its waiting poll received while it was paused, once the server has moved on', async () => {
    const s = await scene('stale-poll', 5);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      // Two slots: while attempt 1 is paused before its agent, the free slot's poll waits on the server.
      const { paused, run } = await s.pausedBeforeAgent(2);
      // Attempt 1 times out; the server hands attempt 2 to the paused worker's waiting poll.
      await secondAttemptHandedTo(paused, connection, 'stale-poll');
      // It times out in turn, and the other worker runs attempt 3.
      await s.start('other');
      const result = JSON.parse(String((await run).stdout)) as BoardResult;
      expect(result.state).toBe('completed');
      expect(await markers(s.runs)).toEqual(['3']);

      process.kill(paused.child.pid!, 'SIGCONT');
      await paused.err.next(
        /attempt 2 of task work is no longer current: the server no longer has it pending .* does not start its agent/,
        'the attempt the waiting poll received to give up before its agent',
        30_000,
      );
      await paused.err.next(/attempt 1 of task work was silent/, 'the paused attempt to give up too', 30_000);
      expect(await markers(s.runs)).toEqual(['3']);
    } finally {
      await s.cleanUp();
      await connection.close();
    }
  }, 180_000);

  it('heartbeats at once when its waiting poll received it most of a heartbeat timeout ago, and the agent runs once', async () => {
    const timeoutMs = 4_000;
    // The agent outlasts the moment the server would time attempt 2 out, had it not heard from it.
    const s = await scene('late-poll', 5, { heartbeatTimeout: `${timeoutMs / 1000}s`, agentTail: '; sleep 2' });
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const { paused, run } = await s.pausedBeforeAgent(2);
      const handedOver = await secondAttemptHandedTo(paused, connection, 'late-poll');
      // Woken 0.8 s before the server would time attempt 2 out: sooner than an attempt's usual first
      // heartbeat (1 s in), and the agent, ready at once, starts before the timeout. Without a heartbeat
      // as it begins, the server gives attempt 2 up while its agent runs, and attempt 3 runs too.
      const wakeAt = tsToMs(handedOver.lastStartedTime) + timeoutMs - 800;
      expect(wakeAt - Date.now(), 'time left to wake the worker before attempt 2 times out').toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, wakeAt - Date.now()));
      process.kill(paused.child.pid!, 'SIGCONT');

      const result = JSON.parse(String((await run).stdout)) as BoardResult;
      expect(result.state).toBe('completed');
      // Exactly one run: attempt 2's (its heartbeat reached the server in time), or, if the machine was
      // too slow for that, attempt 3's after attempt 2 gave up. Never both.
      expect(await markers(s.runs)).toHaveLength(1);
    } finally {
      await s.cleanUp();
      await connection.close();
    }
  }, 180_000);
});
