/**
 * Git mode under SIGKILL: the `todone run` process (which hosts the worker) is killed at each
 * injected crash point — after a worktree add, mid-commit, mid-merge — then the same command runs
 * again. The repository must end consistent: `git fsck` clean, no merge left half done, and each
 * task's work integrated exactly once.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { CRASH_POINTS } from '../../activities/git/crash-point.js';
import { runCli } from '../support/cli.js';
import { createRepo, git, pictureCheckout, showFile } from '../support/git-repo.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-git-crash-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

// Landing is not part of a run; its crash point is covered by the git layer's own tests.
const POINTS = CRASH_POINTS.filter((point) => !point.startsWith('land:'));

describe('git boards survive SIGKILL at every step', () => {
  for (const point of POINTS) {
    it(`resumes cleanly after a crash at ${point}`, async () => {
      const root = path.join(dir, point.replace(/[^a-z]+/g, '-'));
      const repo = await createRepo(path.join(root, 'repo'));
      const boardId = `crash-${point.replace(/[^a-z]+/g, '-')}`.replace(/-+$/, '');
      const file = path.join(root, 'board.yaml');
      await fs.writeFile(
        file,
        [
          `name: ${boardId}`,
          'repo: repo',
          'maxParallel: 2',
          'heartbeatTimeout: 2s',
          'retry: { maxAttempts: 5, initialInterval: 200ms }',
          'worktrees: { root: worktrees }',
          'tasks:',
          '  - { id: one, agent: "echo one > one.txt" }',
          '  - { id: two, agent: "echo two > two.txt" }',
          '  - { id: three, dependsOn: [one, two], agent: "cat one.txt two.txt > three.txt" }',
          '',
        ].join('\n'),
      );
      const before = await pictureCheckout(repo);
      const env = {
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        TODONE_HOME: path.join(root, 'home'),
        TODONE_TASK_QUEUE: `git-crash-${path.basename(root)}`,
      };

      const crashed = await runCli(['run', file], { env: { ...env, TODONE_CRASH_AT: point } });
      expect(crashed.signal, `the first run should die by SIGKILL at ${point}\n${crashed.stderr}`).toBe('SIGKILL');

      const resumed = await runCli(['run', file, '--json'], { env });
      expect(resumed.exitCode, resumed.stderr).toBe(0);
      const result = JSON.parse(resumed.stdout) as BoardResult;
      const branch = result.integration!.branch;

      expect(await showFile(repo, branch, 'three.txt')).toBe('one\ntwo');
      await git(repo, ['fsck', '--no-progress']);
      for (const id of ['one', 'two', 'three']) {
        const merges = await git(repo, ['log', '--format=%H', `--grep=Todone-Task: ${id}$`, branch]);
        expect(merges.split('\n').filter(Boolean).length, `commits for ${id}`).toBeGreaterThanOrEqual(1);
        const integrations = await git(repo, ['log', '--merges', '--format=%s', branch]);
        expect(
          integrations.split('\n').filter((s) => s === `todone(${boardId}): merge ${id}`).length,
          `merges of ${id}`,
        ).toBe(1);
      }
      const integrationWorktree = (await git(repo, ['worktree', 'list', '--porcelain']))
        .split('\n\n')
        .find((block) => block.includes(`branch refs/heads/${branch}`));
      if (integrationWorktree) {
        const wt = integrationWorktree.split('\n')[0]!.replace('worktree ', '');
        expect(await git(wt, ['status', '--porcelain'])).toBe('');
        await expect(fs.access(path.join(await git(wt, ['rev-parse', '--git-dir']), 'MERGE_HEAD'))).rejects.toThrow();
      }
      expect(await pictureCheckout(repo)).toEqual(before);
    });
  }
});
