/**
 * Capabilities through the built CLI, as a fleet uses them: `todone run` whose own worker offers
 * none starts a board with a gpu task and says the task waits for a worker with gpu (in its
 * progress and in `todone status`), a `todone worker --capability gpu` with its own data folder
 * takes it, and the board finishes. Bad capability names stop a worker before it polls.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { followLines } from '../support/output-lines.js';

let dir: string;
let queue: string;
const env = (home = 'home') => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, home),
  TODONE_TASK_QUEUE: queue,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-capabilities-'));
  queue = `cli-cap-${randomUUID()}`;
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('todone worker --capability', () => {
  it('refuses a bad name with a clear message and exit 2, before connecting to anything', async () => {
    const result = await runCli(['worker', '--capability', 'gpu', '--capability', 'GPU'], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--capability is invalid (1 problem):');
    expect(result.stderr).toContain(
      'capability "GPU" is not a valid name (lowercase letters, digits, ".", "_", "-"; at most 40 characters)',
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe('');
  });

  it('reads TODONE_CAPABILITIES when no flag is given, and checks it the same way', async () => {
    const result = await runCli(['worker'], { env: { ...env(), TODONE_CAPABILITIES: 'a,b,c,d,e,f' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('TODONE_CAPABILITIES is invalid (1 problem):');
    expect(result.stderr).toContain('a worker offers at most 5 capabilities');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('a task that requires a capability no worker offers', () => {
  it('is said to wait for one, in the run’s progress and in todone status, until a worker with it starts', async () => {
    const id = `cap-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    const where = 'echo "$TODONE_OUTPUT" > "$TODONE_TASK_ID.where"';
    await fs.writeFile(
      file,
      [
        `name: ${id}`,
        'sandbox: none',
        'retry: { maxAttempts: 1 }',
        `agent: '${where}'`,
        'tasks:',
        '  - { id: prep }',
        '  - { id: train, requires: gpu }',
        '  - { id: report, dependsOn: [prep, train] }',
        '',
      ].join('\n'),
    );
    const gpuQueue = `${queue}@gpu`;
    const run = spawnCli(['run', file], { cwd: dir, env: env() });
    const progress = followLines(run.stdout);
    let worker: ReturnType<typeof spawnCli> | undefined;
    try {
      await progress.next(
        /This run's worker offers no capabilities; tasks require gpu \(train\)\. They wait for a `todone worker --capability …`/,
        'the run to say its own worker cannot take train',
      );
      await progress.next(
        new RegExp(
          `train waiting for a worker with capability gpu \\(none is polling ${gpuQueue}\\): start \`todone worker --capability gpu\``,
        ),
        'the progress to say train waits for a worker with gpu',
      );

      const status = await runCli(['status', id], { env: env() });
      expect(status.exitCode).toBe(0);
      expect(status.stdout).toContain(
        `Waiting for a worker:\n  train: waiting for a worker with capability gpu (none is polling ${gpuQueue})\nStart one with \`todone worker --capability gpu\`.`,
      );
      const json = JSON.parse((await runCli(['status', id, '--json'], { env: env() })).stdout) as { waiting?: unknown };
      expect(json.waiting).toEqual([{ taskId: 'train', requires: ['gpu'], queue: gpuQueue }]);

      worker = spawnCli(['worker', '--capability', 'gpu'], { env: env('gpu-home') });
      await followLines(worker.stdout).next(
        new RegExp(`Todone worker polling task queue "${queue}" .*, capabilities gpu \\(also polling "${gpuQueue}"\\)`),
        'the gpu worker to say what it offers and polls',
      );
      await progress.next(/train taken by a worker with gpu/, 'the progress to say a worker took train');
      const result = await run;
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(String(result.stdout)).toContain('completed: 3/3 succeeded');
      expect(await fs.readFile(path.join(dir, 'train.where'), 'utf8')).toContain(path.join(dir, 'gpu-home'));
    } finally {
      run.kill('SIGINT');
      worker?.kill('SIGINT');
      await Promise.allSettled([run, worker]);
    }
  });
});
