import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createRepo, git } from '../support/git-repo.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-land-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

async function setup(tasks: string) {
  const id = `land-${randomUUID().slice(0, 8)}`;
  const root = path.join(dir, id);
  const repo = await createRepo(path.join(root, 'repo'));
  const file = path.join(root, 'board.yaml');
  await fs.writeFile(
    file,
    `name: ${id}\nrepo: repo\nworktrees: { root: trees }\nretry: { maxAttempts: 1 }\ntasks:\n${tasks}`,
  );
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TODONE_HOME: path.join(root, 'home'),
    TODONE_TASK_QUEUE: `land-${id}`,
  };
  return { id, repo, file, env };
}

describe('landing and cleaning git boards', () => {
  it('run --land fast-forwards the checked-out base branch, and clean --all removes what the board made', async () => {
    const { id, repo, file, env } = await setup('  - { id: add, agent: "echo added > added.txt" }\n');
    const result = await runCli(['run', file, '--land'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Landed: main is now at');
    expect(await fs.readFile(path.join(repo, 'added.txt'), 'utf8')).toBe('added\n');
    expect(await git(repo, ['status', '--porcelain'])).toBe('');
    expect(await git(repo, ['rev-parse', 'main'])).toBe(await git(repo, ['rev-parse', `todone/${id}/integration`]));

    const cleaned = await runCli(['clean', file, '--all'], { env });
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(await git(repo, ['branch', '--list', `todone/${id}/*`])).toBe('');
    expect((await git(repo, ['worktree', 'list'])).split('\n')).toHaveLength(1);
  });

  it('refuses to land when a task failed, and when base has moved', async () => {
    const failing = await setup('  - { id: ok, agent: "echo ok > ok.txt" }\n  - { id: bad, agent: "exit 1" }\n');
    const failed = await runCli(['run', failing.file], { env: failing.env });
    expect(failed.exitCode).toBe(1);
    const refused = await runCli(['land', failing.id], { env: failing.env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('did not succeed (bad failed)');

    const moving = await setup('  - { id: add, agent: "echo added > added.txt" }\n');
    expect((await runCli(['run', moving.file], { env: moving.env })).exitCode).toBe(0);
    await fs.writeFile(path.join(moving.repo, 'meanwhile.txt'), 'user work\n');
    await git(moving.repo, ['add', 'meanwhile.txt']);
    await git(moving.repo, ['commit', '--quiet', '-m', 'user commit meanwhile']);
    const moved = await runCli(['land', moving.file], { env: moving.env });
    expect(moved.exitCode).toBe(1);
    expect(moved.stderr).toMatch(/moved/);
    await expect(fs.access(path.join(moving.repo, 'added.txt'))).rejects.toThrow();
  });
});
