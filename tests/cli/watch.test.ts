/**
 * `todone watch` (the built CLI) on boards it did not start: one submitted by `todone run
 * --no-worker` and served by a `todone worker`, and a 400-task board whose output stays bounded
 * (no line per task, periodic summaries with counts, rate and ETA since stdout is not a TTY).
 * Ctrl-C detaches and leaves the board running.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { followLines } from '../support/output-lines.js';

let dir: string;
let queue: string;
const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  TODONE_TASK_QUEUE: queue,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-watch-'));
  queue = `cli-watch-${randomUUID()}`;
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

async function boardFile(id: string, body: string): Promise<string> {
  const file = path.join(dir, `${id}.yaml`);
  await fs.writeFile(file, `name: ${id}\nsandbox: none\nretry: { maxAttempts: 1 }\n${body}`);
  return file;
}

/** A `todone worker` on the file's queue for the duration of `fn`, stopped by its own pid. */
async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = spawnCli(['worker'], { env: env() });
  const ready = followLines(worker.stdout);
  try {
    await ready.next(/Todone worker polling task queue/, 'the worker to say it is up', 60_000);
    return await fn();
  } finally {
    worker.kill('SIGINT');
    await worker;
  }
}

describe('todone watch', () => {
  it('attaches to a board submitted elsewhere, shows its tasks live and its result; Ctrl-C detaches', async () => {
    const id = `watched-${randomUUID().slice(0, 8)}`;
    // The first task waits for the test to let it go: the board is still running when watched.
    const go = path.join(dir, `${id}.go`);
    const file = await boardFile(
      id,
      `maxParallel: 2\ntasks:\n  - { id: first, agent: "until [ -e '${go}' ]; do sleep 0.1; done" }\n` +
        '  - { id: second, agent: "sleep 1", dependsOn: [first] }\n  - { id: third, agent: "true", dependsOn: [second] }\n',
    );
    await withWorker(async () => {
      const submit = spawnCli(['run', '--no-worker', file], { env: env() });
      await followLines(submit.stdout).next(new RegExp(`Board "${id}" started`), 'the board to start', 60_000);

      // A first watcher detaches with Ctrl-C; the board goes on.
      const early = spawnCli(['watch', id], { env: env() });
      const earlyOut = followLines(early.stdout);
      await earlyOut.next(/first started/, 'the first watcher to see a task start', 30_000);
      early.kill('SIGINT');
      const detached = await early;
      expect(detached.exitCode).toBe(130);
      expect(detached.stderr).toContain(`Stopped watching. Board "${id}" goes on`);

      const watching = spawnCli(['watch', id], { env: env() });
      await followLines(watching.stdout).next(
        new RegExp(`Watching board "${id}"`),
        'the second watcher to attach',
        30_000,
      );
      await fs.writeFile(go, '');
      const watch = await watching;
      expect(watch.stderr).not.toContain('todone:');
      expect(watch.exitCode).toBe(0);
      expect(watch.stdout).toContain(`Watching board "${id}"`);
      expect(watch.stdout).toMatch(/first succeeded in/);
      expect(watch.stdout).toMatch(/second started/);
      expect(watch.stdout).toMatch(/third succeeded in/);
      expect(watch.stdout).toContain('completed: 3/3 succeeded');
      expect((await submit).exitCode).toBe(0);
    });
  });

  it('keeps a 400-task board to a bounded output: periodic summaries with counts, rate and ETA, no line per task', async () => {
    const id = `big-${randomUUID().slice(0, 8)}`;
    // Four chains of 100 quick tasks: long enough to be watched for a few seconds.
    const tasks = Array.from({ length: 400 }, (_, i) => {
      const dep = i >= 4 ? `, dependsOn: [t${i - 4}]` : '';
      return `  - { id: t${i}, agent: "true"${dep} }`;
    });
    const file = await boardFile(id, `maxParallel: 8\ntasks:\n${tasks.join('\n')}\n`);
    await withWorker(async () => {
      const submit = spawnCli(['run', '--no-worker', '--json', file], { env: env() });
      await followLines(submit.stderr).next(new RegExp(`Board "${id}" started`), 'the board to start', 60_000);
      const watch = await spawnCli(['watch', id, '--summary-every', '1'], { env: env() });
      expect(watch.stderr).not.toContain('todone:');
      expect(watch.exitCode).toBe(0);
      const lines = String(watch.stdout).split('\n');
      expect(lines.filter((l) => / t\d+ (started|succeeded)/.test(l))).toEqual([]);
      const summaries = lines.filter((l) => l.includes('progress:'));
      expect(summaries.length).toBeGreaterThanOrEqual(2);
      for (const line of summaries)
        expect(line).toMatch(
          /\d+\/400 \d+% · \d+ running · \d+ pending · .*(tasks\/s|tasks\/min|rate —) · ETA .* elapsed/,
        );
      expect(watch.stdout).toContain('completed: 400/400 succeeded');
      expect(watch.stdout).toContain('(400 of 400 tasks not listed: they succeeded');
      // A few header lines, one summary a second, the result's dozen: nowhere near a line per task.
      expect(lines.length).toBeLessThan(20 + summaries.length + 15);
      expect((await submit).exitCode).toBe(0);
    });
  });
});
