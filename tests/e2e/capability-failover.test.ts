/**
 * A worker offering a capability dies mid-task (SIGKILL, two `todone worker --capability gpu`
 * processes with their own data folders): the task's heartbeat timeout notices, and its next
 * attempt runs on the other worker offering gpu, submitted by `todone run --no-worker`.
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
let queue: string;
const env = (home: string) => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, home),
  TODONE_TASK_QUEUE: queue,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cap-failover-'));
  queue = `cap-failover-${randomUUID()}`;
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('a worker with a capability dies mid-task', () => {
  it('the task is retried on another worker offering it, once its heartbeat stops', async () => {
    const id = `cap-failover-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    const marker = path.join(dir, 'train.where');
    await fs.writeFile(
      file,
      [
        `name: ${id}`,
        'sandbox: none',
        'heartbeatTimeout: 2s',
        'retry: { maxAttempts: 3, initialInterval: 1s }',
        'tasks:',
        // Each attempt appends the data folder of the worker running it, then takes a while.
        `  - { id: train, requires: [gpu], agent: 'echo "$TODONE_OUTPUT" >> "$TODONE_TASK_ID.where"; sleep 3' }`,
        '',
      ].join('\n'),
    );
    const workers = {
      a: spawnCli(['worker', '--capability', 'gpu'], { env: env('home-a') }),
      b: spawnCli(['worker', '--capability', 'gpu'], { env: env('home-b') }),
    };
    // Followed from the start: the child's output flows whether or not anyone listens yet.
    const started = Object.values(workers).map((worker) => followLines(worker.stdout));
    let run: ReturnType<typeof spawnCli> | undefined;
    try {
      for (const lines of started)
        await lines.next(/Todone worker polling task queue .*capabilities gpu/, 'a gpu worker to say it is up');
      run = spawnCli(['run', '--no-worker', '--json', file], { cwd: dir, env: env('home-submit') });
      const first = await waitFor('the first attempt of train to start on one of the workers', async () => {
        const text = await fs.readFile(marker, 'utf8').catch(() => '');
        return text.trim() || undefined;
      });
      const [dead, alive] = first.includes(path.join(dir, 'home-a')) ? (['a', 'b'] as const) : (['b', 'a'] as const);
      workers[dead].kill('SIGKILL');
      expect((await workers[dead]).signal, 'the worker died by the SIGKILL, not before it').toBe('SIGKILL');

      const result = await run;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const train = (JSON.parse(String(result.stdout)) as BoardResult).tasks.find((t) => t.id === 'train')!;
      expect(train).toMatchObject({ state: 'succeeded', attempts: 2 });
      const lines = (await fs.readFile(marker, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(path.join(dir, `home-${alive}`));
    } finally {
      run?.kill('SIGINT');
      for (const worker of Object.values(workers)) worker.kill('SIGINT');
      await Promise.allSettled([run, ...Object.values(workers)]);
    }
  });
});
