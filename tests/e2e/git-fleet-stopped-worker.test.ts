/**
 * A worker wrongly taken for lost, on a git board with a remote: it stops (a long pause, a
 * partition) after committing a task and before pushing it; the board gives up on it and reruns
 * the task on the other worker, which pushes its own commit; then the first one wakes up and
 * pushes. Its stale commit must not replace the rerun's on the task branch, or the merge step
 * (which fetches the branch) cannot find the commit it was asked to merge and the task fails.
 * The moments are exact: each worker stops itself at a named point (TODONE_STOP_AT), and the test
 * wakes the first one while the second is stopped at the start of the merge, so the merge is
 * retried on the first one after its push.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseTrailers } from '../../activities/git/names.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { spawnCli } from '../support/cli.js';
import { git, showFile } from '../support/git-repo.js';
import { createBareRemote } from '../support/git-remote.js';
import { followLines } from '../support/output-lines.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'todone-stopped-worker-')));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

type Child = ReturnType<typeof spawnCli>;

/** Whether the process is stopped (SIGSTOP): its state in /proc is T. */
async function isStopped(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

async function lines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

describe('a worker taken for lost that wakes up before its push', () => {
  it('cannot push its stale commit over the rerun: the rerun is merged, once', async () => {
    const url = await createBareRemote(dir, { 'README.md': '# project\n' });
    const queue = `stopped-${randomUUID()}`;
    const marks = path.join(dir, 'marks');
    await fs.mkdir(marks);
    const home = (name: string) => path.join(dir, `home-${name}`);
    const env = (name: string, extra: Record<string, string> = {}) => ({
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TODONE_HOME: home(name),
      TODONE_TASK_QUEUE: queue,
      ...extra,
    });
    const file = path.join(dir, 'board.yaml');
    await fs.writeFile(
      file,
      [
        'name: stopped-worker',
        `remote: ${url}`,
        'sandbox: none',
        // Git steps heartbeat every 3 s; a step nobody takes from a stopped worker's queue is lost after 10 s.
        'heartbeatTimeout: 3s',
        'retry: { maxAttempts: 3, initialInterval: 200ms }',
        'tasks:',
        `  - { id: work, agent: "pwd >> ${marks}/work.where; echo done > work.txt" }`,
        '  - { id: after, dependsOn: [work], agent: "cat work.txt > after.txt" }',
        '',
      ].join('\n'),
    );
    const workers: Child[] = [];
    // Wrapped: the child is a promise of its exit, which an async function would otherwise wait for.
    const start = async (name: string, stopAt: string): Promise<{ child: Child }> => {
      const child = spawnCli(['worker'], { env: env(name, { TODONE_STOP_AT: stopAt }) });
      workers.push(child);
      await followLines(child.stdout).next(/Todone worker polling/, `worker ${name} to say it is up`, 60_000);
      return { child };
    };
    const { child: first } = await start('a', 'commit:before-push');
    const run = spawnCli(['run', '--no-worker', '--json', file], { env: env('client') });
    try {
      await waitFor('the first worker to stop itself before pushing its commit', () => isStopped(first.pid!), {
        timeoutMs: 90_000,
        intervalMs: 100,
      });
      const { child: second } = await start('b', 'integrate:start');
      await waitFor(
        'the second worker to rerun the task and stop at the start of its merge',
        () => isStopped(second.pid!),
        {
          timeoutMs: 120_000,
          intervalMs: 100,
        },
      );
      const rerun = await git(url, ['rev-parse', 'todone/stopped-worker/work']);
      // The first worker wakes up: its push comes now, and the merge is retried on it 3 s later.
      process.kill(first.pid!, 'SIGCONT');

      const finished = await run;
      process.kill(second.pid!, 'SIGCONT');
      const result = JSON.parse(String(finished.stdout)) as BoardResult;
      expect(result.state, JSON.stringify(result.tasks.map((t) => [t.id, t.state, t.reason]))).toBe('completed');
      const where = await lines(path.join(marks, 'work.where'));
      expect(where).toHaveLength(2);
      expect(where[0]!.startsWith(home('a'))).toBe(true);
      expect(where[1]!.startsWith(home('b'))).toBe(true);
      // What was merged is the rerun's commit, exactly once, and the dependent saw it.
      const work = result.tasks.find((t) => t.id === 'work')!;
      expect(work.commit?.sha).toBe(rerun);
      const branch = result.integration!.branch;
      const merged = (await git(url, ['log', '--first-parent', '--format=%B%x00', branch]))
        .split('\0')
        .map(parseTrailers)
        .filter((t) => t.task === 'work' && t.commit);
      expect(merged.map((t) => t.commit)).toEqual([rerun]);
      expect(await showFile(url, branch, 'after.txt')).toBe('done');
      // The stale commit never took the branch (it is gone with the task's release, or still the rerun's).
      const left = await git(url, ['for-each-ref', '--format=%(objectname)', 'refs/heads/todone/stopped-worker/work']);
      expect(['', rerun]).toContain(left);
    } finally {
      for (const child of workers) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
      run.kill('SIGKILL');
      await Promise.allSettled([...workers, run]);
    }
  }, 300_000);
});
