/**
 * The sweep of finished boards forgets, in silence, boards whose repository no longer exists: a
 * registry entry left by a repository deleted long ago must not become a warning on every start.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { knownBoardRepos, rememberBoardRepo } from '../../activities/git/board-registry.js';
import type { BoardGitConfig } from '../../activities/git/types.js';
import { sweepFinishedBoards } from '../../worker/sweep.js';
import { createRepo } from '../support/git-repo.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-sweep-'));
  dirs.push(dir);
  return dir;
}

function gitConfig(repo: string, dir: string): BoardGitConfig {
  return { repo, worktreeRoot: path.join(dir, 'trees'), poolSize: 0, keep: [], copy: [], link: [], strategy: 'merge' };
}

/** A boards' registry with no Temporal behind it: a board with a live repository would reach for it. */
const noServer = {
  workflow: {
    getHandle: () => {
      throw new Error('the sweep asked Temporal about a board whose repository is gone');
    },
  },
} as unknown as Client;

describe('sweepFinishedBoards', () => {
  it('forgets boards whose repository folder was deleted, or is no repository any more, and prints nothing', async () => {
    const dir = await tempDir();
    const home = path.join(dir, 'home');
    const deleted = await createRepo(path.join(dir, 'deleted'));
    const unrepo = await createRepo(path.join(dir, 'unrepo'));
    await rememberBoardRepo(home, 'gone-board', gitConfig(deleted, dir));
    await rememberBoardRepo(home, 'unrepo-board', gitConfig(unrepo, dir));
    await fs.rm(deleted, { recursive: true, force: true });
    await fs.rm(path.join(unrepo, '.git'), { recursive: true, force: true });

    const lines: string[] = [];
    const report = await sweepFinishedBoards({ home, client: noServer, log: (line) => lines.push(line) });

    expect(lines).toEqual([]);
    expect(report).toEqual({ boards: 0, removedWorktrees: 0, forgotten: 2 });
    expect(await knownBoardRepos(home)).toEqual([]);
  });

  it('still says why when a board whose repository exists cannot be swept', async () => {
    const dir = await tempDir();
    const home = path.join(dir, 'home');
    const repo = await createRepo(path.join(dir, 'repo'));
    await rememberBoardRepo(home, 'live-board', gitConfig(repo, dir));

    const lines: string[] = [];
    const report = await sweepFinishedBoards({ home, client: noServer, log: (line) => lines.push(line) });

    expect(report.forgotten).toBe(0);
    expect(lines.join('')).toContain('could not sweep the worktrees of board "live-board"');
    expect(await knownBoardRepos(home)).toHaveLength(1);
  });
});
