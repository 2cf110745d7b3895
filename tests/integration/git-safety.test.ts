/**
 * What the git layer must never do: touch the user's checkout, run the user's hooks or signing,
 * depend on the user's identity, or let task text reach a shell.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanBoard } from '../../activities/git/cleanup.js';
import { commitWork } from '../../activities/git/commit.js';
import { GitConfigError } from '../../activities/git/errors.js';
import { initIntegration, integrate } from '../../activities/git/integration.js';
import type { BoardGitConfig } from '../../activities/git/types.js';
import { prepareWorktree, releaseWorktree } from '../../activities/git/worktree.js';
import { createRepo, pictureCheckout, type CheckoutPicture } from '../support/git-repo.js';
import {
  boardConfig,
  findFiles,
  fixture,
  fsck,
  git,
  gitMaybe,
  removeTempDirs,
  tempDir,
  writeFiles,
} from '../support/git-layer.js';

afterAll(removeTempDirs);

const board = 'safe-board';

/** Everything of the user's that a board could conceivably change, beyond the checkout picture. */
interface UserState {
  checkout: CheckoutPicture;
  config: string;
  stash: string;
  userBranches: string;
}

async function userState(repo: string): Promise<UserState> {
  return {
    checkout: await pictureCheckout(repo),
    config: await fs.readFile(path.join(repo, '.git', 'config'), 'utf8'),
    stash: await gitMaybe(repo, ['stash', 'list']),
    userBranches: (await git(repo, ['for-each-ref', '--format=%(refname) %(objectname)', 'refs/heads']))
      .split('\n')
      .filter((line) => !line.startsWith('refs/heads/todone/'))
      .join('\n'),
  };
}

/** Every operation of the layer on one board: pool and dedicated worktrees, a merge, a conflict, cleanup. */
async function fullCycle(config: BoardGitConfig, description = 'do the thing'): Promise<void> {
  const info = await initIntegration({ git: config, boardId: board });
  const tasks: { id: string; slot: number | undefined; files: Record<string, string> }[] = [
    { id: 'pooled', slot: 0, files: { 'shared.txt': 'line 1\nPOOLED\nline 3\n' } },
    { id: 'dedicated', slot: undefined, files: { 'shared.txt': 'line 1\nDEDICATED\nline 3\n', 'extra.txt': 'x\n' } },
    { id: 'fine', slot: 0, files: { 'fine.txt': 'fine\n' } },
  ];
  for (const task of tasks) {
    const wt = await prepareWorktree({
      git: config,
      boardId: board,
      taskId: task.id,
      startSha: info.baseSha,
      ...(task.slot !== undefined ? { poolSlot: task.slot } : {}),
    });
    await writeFiles(wt.path, task.files);
    const commit = await commitWork({
      git: config,
      boardId: board,
      taskId: task.id,
      description,
      path: wt.path,
      branch: wt.branch,
      startSha: info.baseSha,
    });
    await integrate({ git: config, boardId: board, taskId: task.id, branch: wt.branch, taskSha: commit.sha });
    await releaseWorktree({
      git: config,
      boardId: board,
      taskId: task.id,
      path: wt.path,
      branch: wt.branch,
      remove: true,
      ...(task.slot !== undefined ? { poolSlot: task.slot } : {}),
    });
  }
  await cleanBoard({ git: config, boardId: board, all: false });
}

describe("the user's checkout", () => {
  it('is byte-identical (branch, HEAD, index, every file, config) after a full cycle', async () => {
    const { repo, config } = await fixture({ poolSize: 1, copy: ['.env'], link: ['node_modules'] });
    // A checkout in the middle of work: staged, modified, untracked and ignored files.
    await writeFiles(repo, { 'staged.txt': 'staged\n' });
    await git(repo, ['add', 'staged.txt']);
    await writeFiles(repo, {
      'README.md': '# project\nwork in progress\n',
      'notes.txt': 'mine\n',
      '.env': 'KEY=1\n',
      'node_modules/m/i.js': '1\n',
    });
    const before = await userState(repo);

    await fullCycle(config);

    expect(await userState(repo)).toEqual(before);
    await fsck(repo);
  });
});

describe("the user's git configuration", () => {
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const key of ['HOME', 'XDG_CONFIG_HOME']) saved[key] = process.env[key];
  });
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('never runs hooks or signing, and needs no identity', async () => {
    // No global identity: an empty HOME (git reads ~/.gitconfig and $XDG_CONFIG_HOME/git/config).
    const home = await tempDir('todone-home-');
    process.env.HOME = home;
    process.env.XDG_CONFIG_HOME = path.join(home, '.config');
    const root = await tempDir();
    const repo = await createRepo(path.join(root, 'repo'), { 'shared.txt': 'line 1\nline 2\nline 3\n' });
    await git(repo, ['config', '--unset', 'user.name']);
    await git(repo, ['config', '--unset', 'user.email']);
    await git(repo, ['config', 'user.useConfigOnly', 'true']);

    const marks = path.join(root, 'marks');
    await fs.mkdir(marks);
    const hook = (name: string) => `#!/bin/sh\ntouch "${marks}/${name}"\n`;
    const hookNames = [
      'pre-commit',
      'prepare-commit-msg',
      'commit-msg',
      'post-commit',
      'post-checkout',
      'post-merge',
      'pre-merge-commit',
      'reference-transaction',
      'post-rewrite',
    ];
    for (const dir of [path.join(repo, '.git', 'hooks'), path.join(root, 'custom-hooks')]) {
      await fs.mkdir(dir, { recursive: true });
      for (const name of hookNames) await fs.writeFile(path.join(dir, name), hook(name), { mode: 0o755 });
    }
    await git(repo, ['config', 'core.hooksPath', path.join(root, 'custom-hooks')]);
    await fs.writeFile(path.join(root, 'fake-gpg'), `#!/bin/sh\ntouch "${marks}/gpg"\nexit 1\n`, { mode: 0o755 });
    await git(repo, ['config', 'commit.gpgSign', 'true']);
    await git(repo, ['config', 'gpg.program', path.join(root, 'fake-gpg')]);
    await git(repo, ['config', 'merge.ff', 'only']);
    await git(repo, ['config', 'log.showSignature', 'true']);
    const config = boardConfig(repo, path.join(root, 'worktrees'), { poolSize: 1 });

    await fullCycle(config);

    expect(await fs.readdir(marks)).toEqual([]);
    const log = await git(repo, ['log', '--format=%an <%ae> %G?', `todone/${board}/integration`, '-n', '3']);
    expect(log.split('\n').every((line) => line.startsWith('Todone <todone@localhost> N'))).toBe(true);
  });
});

describe('task text never reaches a shell', () => {
  const nasty = [
    `Fix "quotes" and 'apostrophes'`,
    '$(touch pwned)',
    '`touch pwned-backtick`',
    '; touch pwned2',
    '&& touch pwned3 | cat > pwned4',
    '--help',
    '-m injected',
    '# not a comment',
  ].join('\n');

  it('commits descriptions verbatim, and paths with spaces and $() work', async () => {
    const root = await tempDir();
    const repo = await createRepo(path.join(root, 'my repo $(touch pwned5)'), { 'a.txt': 'a\n' });
    const worktreeRoot = path.join(root, "work trees; touch pwned6 'q'");
    const config = boardConfig(repo, worktreeRoot, {
      author: { name: `O'Brien "$(touch pwned7)" Jr`, email: 'ob@example.com' },
    });
    const info = await initIntegration({ git: config, boardId: board });
    const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'nasty', startSha: info.baseSha });
    await writeFiles(wt.path, { 'b.txt': 'b\n' });
    const commit = await commitWork({
      git: config,
      boardId: board,
      taskId: 'nasty',
      description: nasty,
      path: wt.path,
      branch: wt.branch,
      startSha: info.baseSha,
    });
    const result = await integrate({
      git: config,
      boardId: board,
      taskId: 'nasty',
      branch: wt.branch,
      taskSha: commit.sha,
    });

    expect(result.kind).toBe('merged');
    const message = await git(repo, ['log', '-1', '--format=%B', commit.sha]);
    expect(message).toBe(
      `todone(${board}): nasty: Fix "quotes" and 'apostrophes'\n\n${nasty}\n\nTodone-Board: ${board}\nTodone-Task: nasty`,
    );
    expect(await git(repo, ['log', '-1', '--format=%an', commit.sha])).toBe(`O'Brien "$(touch pwned7)" Jr`);
    for (const dir of [root, process.cwd()]) {
      for (const name of ['pwned', 'pwned-backtick', 'pwned2', 'pwned3', 'pwned4', 'pwned5', 'pwned6', 'pwned7']) {
        expect(await findFiles(dir, name)).toEqual([]);
      }
    }
  });

  it('rejects ids that are not safe before running git', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    for (const taskId of ['a b', '$(touch pwned)', 'x;y', "it's", '../escape', '-rf']) {
      await expect(prepareWorktree({ git: config, boardId: board, taskId, startSha })).rejects.toThrow(GitConfigError);
    }
    await expect(initIntegration({ git: config, boardId: 'bad board' })).rejects.toThrow(GitConfigError);
    await expect(fs.access(worktreeRoot)).rejects.toThrow();
    expect(await findFiles(path.dirname(repo), 'pwned')).toEqual([]);
  });
});
