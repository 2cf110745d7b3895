/**
 * Commits and the merge queue on real repositories: parallel tasks, conflicts, dependents, the
 * three strategies, and repeated or repaired calls. Each test has its own repository, so they run
 * concurrently.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitWork, MAX_FILES } from '../../activities/git/commit.js';
import { GitConfigError } from '../../activities/git/errors.js';
import { initIntegration, integrate } from '../../activities/git/integration.js';
import { integrationWorktreePath } from '../../activities/git/names.js';
import type { BoardGitConfig, CommitResult, IntegrateResult, IntegrationStrategy } from '../../activities/git/types.js';
import { prepareWorktree, releaseWorktree } from '../../activities/git/worktree.js';
import { showFile } from '../support/git-repo.js';
import {
  exists,
  fixture,
  fsck,
  git,
  gitDir,
  integrationsOf,
  removeTempDirs,
  statusAll,
  treeOf,
  writeFiles,
} from '../support/git-layer.js';

afterAll(removeTempDirs);

const board = 'int-board';

interface TaskRun {
  commit: CommitResult;
  result: IntegrateResult;
}

/** One task through the whole layer: worktree, the agent's edits, commit, integration, release. */
async function runTask(
  config: BoardGitConfig,
  taskId: string,
  startSha: string,
  files: Record<string, string>,
): Promise<TaskRun> {
  const wt = await prepareWorktree({ git: config, boardId: board, taskId, startSha });
  await writeFiles(wt.path, files);
  const commit = await commitWork({
    git: config,
    boardId: board,
    taskId,
    description: `edit ${taskId}`,
    path: wt.path,
    branch: wt.branch,
    startSha,
  });
  const result = await integrate({ git: config, boardId: board, taskId, branch: wt.branch, taskSha: commit.sha });
  await releaseWorktree({ git: config, boardId: board, taskId, path: wt.path, branch: wt.branch, remove: true });
  return { commit, result };
}

describe.concurrent('initIntegration', () => {
  it('creates the integration branch at the current branch, with its own worktree; again, keeps it', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const head = await git(repo, ['rev-parse', 'HEAD']);
    const info = await initIntegration({ git: config, boardId: board });
    expect(info).toEqual({
      baseBranch: 'main',
      baseSha: head,
      integrationBranch: `todone/${board}/integration`,
      integrationHead: head,
    });
    expect(await git(integrationWorktreePath(worktreeRoot), ['symbolic-ref', 'HEAD'])).toBe(
      `refs/heads/todone/${board}/integration`,
    );

    await runTask(config, 'first', head, { 'first.txt': '1\n' });
    // The user commits on main meanwhile: the board still started where its integration branch forked.
    await writeFiles(repo, { 'user.txt': 'user\n' });
    await git(repo, ['add', 'user.txt']);
    await git(repo, ['commit', '-qm', 'user work']);
    const again = await initIntegration({ git: config, boardId: board });
    expect(again.baseSha).toBe(head);
    expect(again.integrationHead).toBe(await git(repo, ['rev-parse', `todone/${board}/integration`]));
  });

  it('explains a detached HEAD without a base and a base that does not exist', async () => {
    const { repo, config } = await fixture();
    await git(repo, ['checkout', '-q', '--detach']);
    await expect(initIntegration({ git: config, boardId: board })).rejects.toThrow(/detached HEAD/);
    await expect(initIntegration({ git: { ...config, base: 'nope' }, boardId: board })).rejects.toThrow(
      /nope does not exist/,
    );
    await expect(
      initIntegration({ git: { ...config, repo: path.join(config.repo, 'src') }, boardId: board }),
    ).rejects.toThrow(GitConfigError);
    const info = await initIntegration({ git: { ...config, base: 'main' }, boardId: board });
    expect(info.baseBranch).toBe('main');
  });
});

describe.concurrent('commitWork', () => {
  it('commits everything with a message naming board and task, and reports files and stats', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'stats', startSha });
    await writeFiles(wt.path, { 'new.txt': 'a\nb\n', 'shared.txt': 'line 1\nline 3\n', 'bin.dat': '\0\x01\x02' });
    await fs.rm(path.join(wt.path, 'README.md'));
    const input = {
      git: config,
      boardId: board,
      taskId: 'stats',
      description: 'Tidy up\n\nMore words.',
      path: wt.path,
      branch: wt.branch,
      startSha,
    };
    const result = await commitWork(input);

    expect(result).toMatchObject({ changed: true, filesTruncated: false, insertions: 2, deletions: 2 });
    expect(result.files.sort()).toEqual(['README.md', 'bin.dat', 'new.txt', 'shared.txt']);
    expect(await git(wt.path, ['log', '-1', '--format=%B'])).toBe(
      `todone(${board}): stats: Tidy up\n\nTidy up\n\nMore words.\n\nTodone-Board: ${board}\nTodone-Task: stats`,
    );
    expect(await git(wt.path, ['log', '-1', '--format=%an <%ae>|%cn <%ce>'])).toBe(
      'Todone <todone@localhost>|Todone <todone@localhost>',
    );
    // Again: the commit is found, not made twice.
    expect(await commitWork(input)).toEqual(result);
    expect(await git(wt.path, ['rev-list', '--count', `${startSha}..HEAD`])).toBe('1');
  });

  it('says when nothing changed, uses the configured author, and caps the file list', async () => {
    const { repo, config } = await fixture({ author: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const idle = await prepareWorktree({ git: config, boardId: board, taskId: 'idle', startSha });
    const nothing = await commitWork({
      git: config,
      boardId: board,
      taskId: 'idle',
      description: '',
      path: idle.path,
      branch: idle.branch,
      startSha,
    });
    const startTree = await git(repo, ['rev-parse', `${startSha}^{tree}`]);
    expect(nothing).toEqual({
      sha: startSha,
      tree: startTree,
      changed: false,
      files: [],
      filesTruncated: false,
      insertions: 0,
      deletions: 0,
    });

    const many = await prepareWorktree({ git: config, boardId: board, taskId: 'many', startSha });
    await writeFiles(
      many.path,
      Object.fromEntries(Array.from({ length: MAX_FILES + 5 }, (_, i) => [`gen/f${i}.txt`, `${i}\n`])),
    );
    const big = await commitWork({
      git: config,
      boardId: board,
      taskId: 'many',
      description: 'many',
      path: many.path,
      branch: many.branch,
      startSha,
    });
    expect(big.files).toHaveLength(MAX_FILES);
    expect(big.filesTruncated).toBe(true);
    expect(big.insertions).toBe(MAX_FILES + 5);
    expect(await git(many.path, ['log', '-1', '--format=%an <%ae>|%cn <%ce>'])).toBe(
      'Ada Lovelace <ada@example.com>|Ada Lovelace <ada@example.com>',
    );
  });

  it('keeps copied and linked extras out of the commit', async () => {
    const { repo, config } = await fixture({ copy: ['config.local'], link: ['node_modules'] });
    await writeFiles(repo, { 'config.local': 'local\n', 'node_modules/x/index.js': 'x\n' });
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'extras', startSha });
    await writeFiles(wt.path, { 'real.txt': 'real\n' });
    const result = await commitWork({
      git: config,
      boardId: board,
      taskId: 'extras',
      description: 'x',
      path: wt.path,
      branch: wt.branch,
      startSha,
    });
    expect(result.files).toEqual(['real.txt']);
  });
});

describe.concurrent('integrate', () => {
  it('lands parallel tasks that edit different files, each exactly once', async () => {
    const { repo, config } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const tasks = ['a', 'b', 'c', 'd'];
    const runs = await Promise.all(tasks.map((t) => runTask(config, t, info.baseSha, { [`${t}.txt`]: `from ${t}\n` })));

    for (const run of runs) expect(run.result.kind).toBe('merged');
    for (const t of tasks) expect(await showFile(repo, info.integrationBranch, `${t}.txt`)).toBe(`from ${t}`);
    for (const run of runs) expect(await integrationsOf(repo, info.integrationBranch, run.commit.sha)).toBe(1);
    expect(await statusAll(integrationWorktreePath(config.worktreeRoot))).toBe('');
    await fsck(repo);
  });

  it('gives exactly one of two clashing tasks "conflicted", with its files, and leaves the other result intact', async () => {
    const { repo, config } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const left = await runTask(config, 'left', info.baseSha, {
      'shared.txt': 'line 1\nLEFT\nline 3\n',
      'left-only.txt': 'l\n',
    });
    const afterLeft = await git(repo, ['rev-parse', info.integrationBranch]);
    const right = await runTask(config, 'right', info.baseSha, {
      'shared.txt': 'line 1\nRIGHT\nline 3\n',
      'right-only.txt': 'r\n',
    });

    expect(left.result.kind).toBe('merged');
    expect(right.result).toEqual({ kind: 'conflicted', head: afterLeft, files: ['shared.txt'] });
    expect(await git(repo, ['rev-parse', info.integrationBranch])).toBe(afterLeft);
    // The integration branch holds exactly the winner's result: base plus the left task's tree.
    expect(await treeOf(repo, info.integrationBranch)).toBe(await treeOf(repo, left.commit.sha));
    const wt = integrationWorktreePath(config.worktreeRoot);
    expect(await statusAll(wt)).toBe('');
    expect(await exists(path.join(await gitDir(wt), 'MERGE_HEAD'))).toBe(false);
    await fsck(repo);
  });

  it("starts a dependent from the integration head, where its dependency's work already is", async () => {
    const { repo, config } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const dep = await runTask(config, 'schema', info.baseSha, { 'schema.sql': 'create table t();\n' });
    expect(dep.result.kind).toBe('merged');
    const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'api', startSha: dep.result.head });
    expect(await fs.readFile(path.join(wt.path, 'schema.sql'), 'utf8')).toBe('create table t();\n');
    await writeFiles(wt.path, { 'api.js': 'use(schema)\n' });
    const commit = await commitWork({
      git: config,
      boardId: board,
      taskId: 'api',
      description: 'api',
      path: wt.path,
      branch: wt.branch,
      startSha: dep.result.head,
    });
    const result = await integrate({
      git: config,
      boardId: board,
      taskId: 'api',
      branch: wt.branch,
      taskSha: commit.sha,
    });
    expect(result.kind).toBe('merged');
    expect(await showFile(repo, info.integrationBranch, 'api.js')).toBe('use(schema)');
  });

  it('recognises a task already integrated, and one that changed nothing', async () => {
    const { repo, config } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const done = await runTask(config, 'done', info.baseSha, { 'done.txt': 'done\n' });
    const again = await integrate({
      git: config,
      boardId: board,
      taskId: 'done',
      branch: `todone/${board}/done`,
      taskSha: done.commit.sha,
    });
    expect(again).toEqual({ kind: 'already-integrated', head: done.result.head });

    const idle = await runTask(config, 'idle', done.result.head, {});
    expect(idle.commit.changed).toBe(false);
    expect(idle.result).toEqual({ kind: 'nothing-to-merge', head: done.result.head });
    expect(await integrationsOf(repo, info.integrationBranch, done.commit.sha)).toBe(1);
  });

  it('repairs a half-done merge a crash left in the integration worktree', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'half', startSha: info.baseSha });
    await writeFiles(wt.path, { 'half.txt': 'half\n' });
    const commit = await commitWork({
      git: config,
      boardId: board,
      taskId: 'half',
      description: 'h',
      path: wt.path,
      branch: wt.branch,
      startSha: info.baseSha,
    });
    // What a SIGKILL between `merge --no-commit` and `commit` leaves, plus junk.
    const integrationWt = integrationWorktreePath(worktreeRoot);
    await git(integrationWt, ['merge', '--no-ff', '--no-commit', commit.sha]);
    await writeFiles(integrationWt, { 'junk.txt': 'junk\n' });
    expect(await exists(path.join(await gitDir(integrationWt), 'MERGE_HEAD'))).toBe(true);

    const result = await integrate({
      git: config,
      boardId: board,
      taskId: 'half',
      branch: wt.branch,
      taskSha: commit.sha,
    });
    expect(result.kind).toBe('merged');
    expect(await exists(path.join(await gitDir(integrationWt), 'MERGE_HEAD'))).toBe(false);
    expect(await statusAll(integrationWt)).toBe('');
    expect(await integrationsOf(repo, info.integrationBranch, commit.sha)).toBe(1);
    await fsck(repo);
  });

  it('refuses to integrate before initIntegration', async () => {
    const { repo, config } = await fixture();
    const head = await git(repo, ['rev-parse', 'HEAD']);
    await expect(
      integrate({ git: config, boardId: 'fresh', taskId: 't', branch: 'todone/fresh/t', taskSha: head }),
    ).rejects.toThrow(GitConfigError);
  });
});

describe.concurrent.each<IntegrationStrategy>(['rebase', 'squash'])('the %s strategy', (strategy) => {
  it('integrates linearly, once, with the trailer naming the task commit; conflicts leave the branch as it was', async () => {
    const { repo, config } = await fixture({ strategy });
    // The user's settings must not change how integration works.
    await git(repo, ['config', 'merge.ff', 'only']);
    await git(repo, ['config', 'pull.rebase', 'true']);
    const info = await initIntegration({ git: config, boardId: board });
    // Two commits on the task branch: the agent's own, then Todone's.
    const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'multi', startSha: info.baseSha });
    await writeFiles(wt.path, { 'one.txt': '1\n' });
    await git(wt.path, ['add', 'one.txt']);
    await git(wt.path, ['commit', '-qm', 'agent commit']);
    await writeFiles(wt.path, { 'two.txt': '2\n', 'shared.txt': 'line 1\nMULTI\nline 3\n' });
    const commit = await commitWork({
      git: config,
      boardId: board,
      taskId: 'multi',
      description: 'two',
      path: wt.path,
      branch: wt.branch,
      startSha: info.baseSha,
    });
    const other = await runTask(config, 'other', info.baseSha, { 'other.txt': 'o\n' });
    expect(other.result.kind).toBe('merged');

    const result = await integrate({
      git: config,
      boardId: board,
      taskId: 'multi',
      branch: wt.branch,
      taskSha: commit.sha,
    });
    expect(result.kind).toBe('merged');
    // Linear: no merge commits on the integration branch.
    expect(await git(repo, ['rev-list', '--merges', '--count', info.integrationBranch])).toBe('0');
    const added = Number(await git(repo, ['rev-list', '--count', `${other.result.head}..${info.integrationBranch}`]));
    expect(added).toBe(strategy === 'rebase' ? 2 : 1);
    for (const f of ['one.txt', 'two.txt', 'other.txt'])
      expect(await showFile(repo, info.integrationBranch, f)).toBeDefined();
    expect(await integrationsOf(repo, info.integrationBranch, commit.sha)).toBe(1);
    expect(
      await integrate({ git: config, boardId: board, taskId: 'multi', branch: wt.branch, taskSha: commit.sha }),
    ).toEqual({
      kind: 'already-integrated',
      head: result.head,
    });

    const clash = await runTask(config, 'clash', info.baseSha, { 'shared.txt': 'line 1\nCLASH\nline 3\n' });
    expect(clash.result).toEqual({ kind: 'conflicted', head: result.head, files: ['shared.txt'] });
    expect(await git(repo, ['rev-parse', info.integrationBranch])).toBe(result.head);
    const integrationWt = integrationWorktreePath(config.worktreeRoot);
    expect(await git(integrationWt, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/${info.integrationBranch}`);
    expect(await statusAll(integrationWt)).toBe('');
    await fsck(repo);
  });
});
