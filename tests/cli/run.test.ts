import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { runCli, spawnCli } from '../support/cli.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  // Each test file gets its own queue so workers of other files never pick up these boards.
  TODONE_TASK_QUEUE: `cli-${randomUUID()}`,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-run-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

async function board(name: string, tasks: string): Promise<{ file: string; id: string }> {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  const file = path.join(dir, `${id}.yaml`);
  await fs.writeFile(file, `name: ${id}\nmaxParallel: 2\nretry: { maxAttempts: 1 }\ntasks:\n${tasks}`);
  return { file, id };
}

describe('todone run', () => {
  it('runs a board to completion, shows progress and a summary, exits 0', async () => {
    const { file, id } = await board(
      'ok',
      '  - { id: a, agent: "echo hello-from-a" }\n  - { id: b, agent: "true", dependsOn: [a] }\n',
    );
    const result = await runCli(['run', file], { env: env() });
    expect(result.stderr).not.toContain('todone:');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Board "${id}" started: 2 tasks`);
    expect(result.stdout).toMatch(/a started/);
    expect(result.stdout).toMatch(/a succeeded in/);
    expect(result.stdout).toMatch(/b succeeded in/);
    expect(result.stdout).toContain('completed: 2/2 succeeded');
    expect(result.stdout).toContain('Parallelization factor');
  });

  it('prints the result as JSON with --json and exits 1 when a task fails', async () => {
    const { file } = await board(
      'fails',
      '  - { id: bad, agent: "echo nope >&2; exit 4" }\n  - { id: after, agent: "true", dependsOn: [bad] }\n  - { id: fine, agent: "true" }\n',
    );
    const result = await runCli(['run', file, '--json'], { env: env() });
    expect(result.exitCode).toBe(1);
    const parsed = JSON.parse(result.stdout) as BoardResult;
    expect(parsed.state).toBe('failed');
    expect(parsed.tasks.map((t) => [t.id, t.state])).toEqual([
      ['bad', 'failed'],
      ['after', 'skipped'],
      ['fine', 'succeeded'],
    ]);
    expect(parsed.metrics).toMatchObject({ totalTasks: 3, completedTasks: 1, failedTasks: 1, skippedTasks: 1 });
    // Progress went to stderr so stdout stays machine-readable.
    expect(result.stderr).toMatch(/bad failed after 1 attempt/);
  });

  it('brings a completed board up to date when run again: says when nothing changed, runs only what did', async () => {
    const marks = path.join(dir, `marks-${randomUUID().slice(0, 8)}`);
    await fs.mkdir(marks);
    const task = (id: string, extra = '') => `  - { id: ${id}, agent: "echo run >> ${marks}/${id}.runs${extra}"`;
    const { file, id } = await board('again', `${task('a')} }\n${task('b')}, dependsOn: [a] }\n`);
    const runs = async () =>
      Promise.all(['a', 'b'].map(async (t) => (await fs.readFile(path.join(marks, `${t}.runs`), 'utf8')).length / 4));
    const e = env();
    expect((await runCli(['run', file], { env: e })).exitCode).toBe(0);

    const same = await runCli(['run', file], { env: e });
    expect(same.exitCode, same.stderr).toBe(0);
    expect(same.stdout).toContain(
      `Board "${id}" is up to date: nothing changed since its last run completed; all 2 tasks kept`,
    );
    expect(same.stdout).toContain('Nothing changed since its last run (completed): 2 tasks kept.');
    expect(same.stdout).toContain('completed: 2/2 succeeded');
    expect(await runs()).toEqual([1, 1]);

    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.replace(`${marks}/b.runs"`, `${marks}/b.runs; echo v2"`));
    const changed = await runCli(['run', file], { env: e });
    expect(changed.exitCode, changed.stderr).toBe(0);
    expect(changed.stdout).toContain(
      `Board "${id}" brought up to date: its last run completed; 1 of 2 tasks kept, 1 to run (1 that had succeeded run again`,
    );
    expect(await runs()).toEqual([1, 2]);

    const fresh = await runCli(['run', file, '--fresh'], { env: e });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('Starting over: asked to start fresh.');
    expect(await runs()).toEqual([2, 3]);
  });

  it('shows a finished board with `todone status` by file or by id', async () => {
    const { file, id } = await board('status', '  - { id: only, agent: "true" }\n');
    const e = env();
    expect((await runCli(['run', file], { env: e })).exitCode).toBe(0);
    const byFile = await runCli(['status', file], { env: e });
    expect(byFile.exitCode).toBe(0);
    expect(byFile.stdout).toContain('COMPLETED');
    expect(byFile.stdout).toMatch(/only\s+succeeded\s+shell\s+1/);
    const byId = await runCli(['status', id, '--json'], { env: e });
    expect(JSON.parse(byId.stdout)).toMatchObject({
      workflowState: 'COMPLETED',
      boardId: id,
      counts: { succeeded: 1 },
    });
  });

  it('says clearly when a board does not exist', async () => {
    const result = await runCli(['status', 'no-such-board'], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no board "no-such-board"');
  });

  it('plans without running: waves, critical path, verdict, and mermaid', async () => {
    const { file } = await board(
      'plan',
      '  - { id: a, agent: "true", estimate: 10s }\n  - { id: b, agent: "true", estimate: 20s, dependsOn: [a] }\n  - { id: c, agent: "true", estimate: 5s, dependsOn: [a] }\n  - { id: d, agent: "true", estimate: 5s }\n',
    );
    const text = await runCli(['plan', file], { env: env() });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/wave 1: a, d/);
    expect(text.stdout).toMatch(/a -> b/);
    const json = await runCli(['plan', file, '--json'], { env: env() });
    expect(JSON.parse(json.stdout)).toMatchObject({
      taskCount: 4,
      criticalPath: { ids: ['a', 'b'], lengthMs: 30_000 },
    });
    const mermaid = await runCli(['plan', file, '--format', 'mermaid'], { env: env() });
    expect(mermaid.stdout).toContain('flowchart');
  });

  it('cancels a running task from another terminal with `todone cancel`, and then the board', async () => {
    const { file, id } = await board(
      'cancel',
      '  - { id: long, agent: "touch long.started; sleep 300" }\n  - { id: after, agent: "true", dependsOn: [long] }\n  - { id: other, agent: "touch other.started; sleep 300" }\n',
    );
    const e = env();
    const running = spawnCli(['run', file, '--json'], { cwd: dir, env: e });
    await waitFor(
      'both tasks to start',
      async () =>
        (await fs.access(path.join(dir, 'long.started')).then(
          () => true,
          () => false,
        )) &&
        (await fs.access(path.join(dir, 'other.started')).then(
          () => true,
          () => false,
        )),
    );

    const one = await runCli(['cancel', id, 'long', '--reason', 'not needed'], { env: e });
    expect(one.exitCode, one.stderr).toBe(0);
    expect(one.stdout).toContain('is being cancelled');
    const all = await runCli(['cancel', file], { env: e });
    expect(all.exitCode, all.stderr).toBe(0);

    const finished = await running;
    expect(finished.exitCode).toBe(1);
    const result = JSON.parse(String(finished.stdout)) as BoardResult;
    expect(result.state).toBe('cancelled');
    expect(result.tasks.map((t) => [t.id, t.state, t.reason])).toEqual([
      ['long', 'cancelled', 'not needed'],
      ['after', 'skipped', 'dependency "long" cancelled'],
      ['other', 'cancelled', 'cancelled by request'],
    ]);
    const again = await runCli(['cancel', id], { env: e });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('is not running');
  });

  it('says nothing about boards whose repository is long gone, and forgets them; clean --finished sweeps on request', async () => {
    const e = { ...env(), TODONE_HOME: path.join(dir, `home-${randomUUID().slice(0, 8)}`) };
    const goneRepo = path.join(dir, `gone-${randomUUID().slice(0, 8)}`);
    const record = path.join(e.TODONE_HOME, 'boards', 'old-board', 'git.json');
    const git = {
      repo: goneRepo,
      worktreeRoot: path.join(goneRepo, '..', 'trees'),
      poolSize: 0,
      keep: [],
      copy: [],
      link: [],
      strategy: 'merge',
    };
    await fs.mkdir(path.dirname(record), { recursive: true });
    await fs.writeFile(record, JSON.stringify({ boardId: 'old-board', git }));

    const { file } = await board('quiet', '  - { id: a, agent: "true" }\n');
    const result = await runCli(['run', file], { env: e });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('sweep');
    expect(result.stdout).not.toContain('sweep');
    expect(result.stderr).not.toContain('old-board');
    // The run's worker swept in the background and forgot the board whose repository is gone.
    await expect(fs.access(record)).rejects.toThrow();

    await fs.mkdir(path.dirname(record), { recursive: true });
    await fs.writeFile(record, JSON.stringify({ boardId: 'old-board', git }));
    const cleaned = await runCli(['clean', '--finished'], { env: e });
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(cleaned.stdout).toContain('Removed 0 leftover worktrees of 0 finished boards.');
    expect(cleaned.stderr).not.toContain('old-board');
    await expect(fs.access(record)).rejects.toThrow();
  });

  it('says so when no worker is serving a board, and shows what the server knows', async () => {
    const { file, id } = await board('no-worker', '  - { id: waiting, agent: "true" }\n');
    const e = env();
    const submitter = spawnCli(['run', file, '--no-worker'], { cwd: dir, env: e });
    try {
      const status = await waitFor('the board to exist', async () => {
        const result = await runCli(['status', id], { env: e });
        return result.exitCode === 0 ? result : undefined;
      });
      expect(status.stdout).toContain('is RUNNING');
      expect(status.stdout).toContain('No worker answered');
      expect(status.stdout).toContain(e.TODONE_TASK_QUEUE);
    } finally {
      submitter.kill('SIGKILL');
      await submitter;
      await runCli(['cancel', id], { env: e });
    }
  });
});
