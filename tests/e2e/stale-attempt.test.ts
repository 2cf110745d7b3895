/**
 * A worker paused (SIGSTOP: a long GC, a frozen VM, a starved machine) after an attempt of a task
 * was ready to start its agent, and for longer than the task's heartbeat timeout: Temporal gives
 * the task to a new attempt, which another worker runs. When the paused worker wakes, its attempt
 * must not start the agent as well — the same work twice, and on a git board in the same place.
 * The worker stops itself at the exact moment (TODONE_STOP_AT=task:before-agent); the agent's runs
 * are counted in a marker file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

describe('an attempt whose worker was paused past its heartbeat timeout', () => {
  it('does not start its agent when the worker wakes: the new attempt ran it, once', async () => {
    const queue = `stale-${randomUUID()}`;
    const runs = path.join(dir, 'runs');
    const env = (name: string, extra: Record<string, string> = {}) => ({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TODONE_HOME: path.join(dir, `home-${name}`),
      TODONE_TASK_QUEUE: queue,
      ...extra,
    });
    const file = path.join(dir, 'board.yaml');
    await fs.writeFile(
      file,
      [
        'name: stale-attempt',
        // The marker file is the test's, outside any task folder.
        'sandbox: none',
        'heartbeatTimeout: 2s',
        'retry: { maxAttempts: 3, initialInterval: 200ms }',
        'tasks:',
        `  - { id: work, agent: "echo $TODONE_ATTEMPT >> ${runs}" }`,
        '',
      ].join('\n'),
    );
    const workers: ReturnType<typeof spawnCli>[] = [];
    const start = async (name: string, extra: Record<string, string> = {}) => {
      // --verbose: the worker's log lines on stderr too, where the test reads the woken attempt's.
      // One task at a time: a paused worker with a free slot would hold a poll that can receive the
      // next attempt too, which then starts only when it wakes (a case this guard cannot see).
      const child = spawnCli(['--verbose', 'worker', '--max-concurrent-activities', '1'], { env: env(name, extra) });
      workers.push(child);
      const output = { out: followLines(child.stdout), err: followLines(child.stderr) };
      await output.out.next(/Todone worker polling/, `worker ${name} to say it is up`, 60_000);
      return { child, ...output };
    };
    const paused = await start('paused', { TODONE_STOP_AT: 'task:before-agent' });
    const run = spawnCli(['run', '--no-worker', '--json', file], { env: env('client') });
    try {
      await waitFor('the first worker to stop itself just before the agent', () => isStopped(paused.child.pid!), {
        timeoutMs: 60_000,
        intervalMs: 100,
      });
      await start('other');
      const finished = await run;
      const result = JSON.parse(String(finished.stdout)) as BoardResult;
      expect(result.state).toBe('completed');
      expect((await fs.readFile(runs, 'utf8')).split('\n').filter(Boolean)).toEqual(['2']);

      // Woken, the paused attempt says why it stops, and the agent does not run again.
      process.kill(paused.child.pid!, 'SIGCONT');
      await paused.err.next(
        /attempt 1 of task work was silent for [\d.]+ s, past its heartbeat timeout of 2\.0 s .* does not start its agent/,
        'the woken attempt to give up before its agent',
        30_000,
      );
      expect((await fs.readFile(runs, 'utf8')).split('\n').filter(Boolean)).toEqual(['2']);
    } finally {
      for (const child of workers) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      run.kill('SIGKILL');
      await Promise.allSettled([...workers, run]);
    }
  }, 180_000);
});
