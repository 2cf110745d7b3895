/**
 * Git boards on a fleet, the git layer alone: two workers' data folders, each with its own clone
 * of one bare repository, and the steps of a board split between them. The remote is the only
 * thing they share; pushes already done are recognised, and a crash around a push repairs.
 */
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitConfigError } from '../../activities/git/errors.js';
import { cleanRemoteBranches, initRemoteIntegration, landRemote, remoteFolder } from '../../activities/git/remote.js';
import type { BoardGitConfig, IntegrationInfo } from '../../activities/git/types.js';
import { childModules, type ChildModules } from '../support/child-modules.js';
import { showFile } from '../support/git-repo.js';
import { exists, fsck, git, gitMaybe, removeTempDirs, tempDir, writeFiles } from '../support/git-layer.js';
import {
  commitOn,
  createBareRemote,
  initOn,
  integrateOn,
  prepareOn,
  releaseOn,
  remoteConfig,
} from '../support/git-remote.js';

let child: ChildModules;
beforeAll(async () => {
  child = await childModules(await tempDir('todone-remote-child-'), ['tests/support/git-remote.ts']);
});
afterAll(removeTempDirs);

const board = 'fleet';
const BASE = { 'README.md': '# project\n', 'shared.txt': 'line 1\nline 2\nline 3\n' };

interface Fleet {
  url: string;
  config: BoardGitConfig;
  /** Two workers' data folders. */
  a: string;
  b: string;
  info: IntegrationInfo;
}

async function fleet(overrides: Partial<BoardGitConfig> = {}): Promise<Fleet> {
  const root = await tempDir('todone-remote-');
  const url = await createBareRemote(root, BASE);
  const config = remoteConfig(url, overrides);
  const a = path.join(root, 'home-a');
  const b = path.join(root, 'home-b');
  const info = await initOn({ home: a, input: { git: config, boardId: board } });
  return { url, config, a, b, info };
}

/** A task on worker `home`: worktree, the agent's files, commit (pushed). */
async function work(
  f: Fleet,
  home: string,
  taskId: string,
  startSha: string,
  files: Record<string, string>,
  leasedAt?: number,
) {
  const wt = await prepareOn({ home, input: { git: f.config, boardId: board, taskId, startSha } });
  await writeFiles(wt.path, files);
  const input = {
    git: f.config,
    boardId: board,
    taskId,
    description: `work of ${taskId}`,
    path: wt.path,
    branch: wt.branch,
    startSha,
    ...(leasedAt !== undefined ? { leasedAt } : {}),
  };
  const commit = await commitOn({ home, input });
  return { wt, commit, input };
}

const integration = `todone/${board}/integration`;

describe.concurrent('a board split between two workers', () => {
  it("never pushes a run's commit over a later lease's, and believes no lease from the future", async () => {
    const f = await fleet();
    const branch = `todone/${board}/fenced`;
    const start = f.info.baseSha;
    // A run on worker A commits; before it pushes, it is taken for lost and the task reruns on B.
    const staleTree = await prepareOn({
      home: f.a,
      input: { git: f.config, boardId: board, taskId: 'fenced', startSha: start },
    });
    await writeFiles(staleTree.path, { 'out.txt': 'stale run\n' });
    const rerun = await work(f, f.b, 'fenced', start, { 'out.txt': 'rerun\n' }, 2_000);
    expect(await git(f.url, ['rev-parse', branch])).toBe(rerun.commit.sha);
    // A wakes up and pushes: refused, and the branch keeps the rerun's commit.
    const staleInput = {
      git: f.config,
      boardId: board,
      taskId: 'fenced',
      description: 'stale',
      path: staleTree.path,
      branch: staleTree.branch,
      startSha: start,
      leasedAt: 1_000,
    };
    await expect(commitOn({ home: f.a, input: staleInput })).rejects.toThrow(
      /from a later run of the task: this run was taken for lost/,
    );
    expect(await git(f.url, ['rev-parse', branch])).toBe(rerun.commit.sha);

    // An agent that commits by itself with a lease far in the future cannot hold the branch against later runs.
    const planted = await prepareOn({
      home: f.a,
      input: { git: f.config, boardId: board, taskId: 'fenced', startSha: start },
    });
    await writeFiles(planted.path, { 'out.txt': 'planted\n' });
    await git(planted.path, ['add', '-A']);
    await git(planted.path, [
      '-c',
      'user.name=agent',
      '-c',
      'user.email=agent@localhost',
      'commit',
      '-q',
      '-m',
      'mine\n\nTodone-Leased: 99999999999999',
    ]);
    const plantedCommit = await commitOn({ home: f.a, input: { ...staleInput, path: planted.path, leasedAt: 3_000 } });
    expect(await git(f.url, ['rev-parse', branch])).toBe(plantedCommit.sha);
    const later = await work(f, f.b, 'fenced', start, { 'out.txt': 'later\n' }, 4_000);
    expect(await git(f.url, ['rev-parse', branch])).toBe(later.commit.sha);
  });

  it('creates the integration branch on the remote from its default branch, and takes it up again', async () => {
    const f = await fleet();
    const main = await git(f.url, ['rev-parse', 'main']);
    expect(f.info).toEqual({
      baseBranch: 'main',
      baseSha: main,
      integrationBranch: integration,
      integrationHead: main,
    });
    expect(await git(f.url, ['rev-parse', integration])).toBe(main);
    // Each worker keeps its own bare clone under its data folder.
    expect(await exists(path.join(remoteFolder(f.a, f.url), 'clone', 'HEAD'))).toBe(true);
    const again = await initOn({ home: f.b, input: { git: f.config, boardId: board } });
    expect(again).toEqual(f.info);
  });

  it('pushes a task branch once, integrates it on the other worker, and a dependent there starts from it', async () => {
    const f = await fleet();
    const root = await work(f, f.a, 'root', f.info.baseSha, { 'a.txt': 'from worker a\n' });
    expect(root.wt.queue).toBe('own-queue');
    expect(root.wt.repo).toBe(path.join(remoteFolder(f.a, f.url), 'clone'));
    expect(root.commit).toMatchObject({ changed: true, pushed: 'pushed' });
    expect(await git(f.url, ['rev-parse', `todone/${board}/root`])).toBe(root.commit.sha);
    // Run again (a retry after a crash that lost the answer): the push already done is recognised.
    expect(await commitOn({ home: f.a, input: root.input })).toMatchObject({ sha: root.commit.sha, pushed: 'already' });

    const merged = await integrateOn({
      home: f.b,
      input: { git: f.config, boardId: board, taskId: 'root', branch: root.wt.branch, taskSha: root.commit.sha },
    });
    expect(merged.kind).toBe('merged');
    expect(await git(f.url, ['rev-parse', integration])).toBe(merged.head);
    // Its answer lost, the step runs again, on either worker: the remote already holds the merge.
    for (const home of [f.a, f.b]) {
      const again = await integrateOn({
        home,
        input: { git: f.config, boardId: board, taskId: 'root', branch: root.wt.branch, taskSha: root.commit.sha },
      });
      expect(again).toEqual({ kind: 'already-integrated', head: merged.head });
    }

    const dependent = await prepareOn({
      home: f.b,
      input: { git: f.config, boardId: board, taskId: 'dependent', startSha: merged.head },
    });
    expect(await showFile(dependent.path, 'HEAD', 'a.txt')).toBe('from worker a');
    await releaseOn({
      home: f.a,
      input: {
        git: f.config,
        boardId: board,
        taskId: 'root',
        path: root.wt.path,
        branch: root.wt.branch,
        remove: true,
      },
    });
    expect(await gitMaybe(f.url, ['rev-parse', '--verify', '-q', `refs/heads/todone/${board}/root`])).toBe('');
    expect(await exists(root.wt.path)).toBe(false);
    await fsck(f.url);
  });

  it('fetches a start commit again that a fetch cut short left without its trees', async () => {
    const f = await fleet();
    // Worker b's clone, made by a first task before the merge below exists.
    await work(f, f.b, 'other', f.info.baseSha, { 'b.txt': 'from worker b\n' });
    const root = await work(f, f.a, 'root', f.info.baseSha, { 'a.txt': 'from worker a\n' });
    const merged = await integrateOn({
      home: f.a,
      input: { git: f.config, boardId: board, taskId: 'root', branch: root.wt.branch, taskSha: root.commit.sha },
    });
    // A fetch of the merge into b's clone cut short after its commit object: small fetches are
    // unpacked object by object, commits first, so a full disk or a kill mid-fetch leaves this.
    const clone = path.join(remoteFolder(f.b, f.url), 'clone');
    const commitObject = await execa('git', ['cat-file', 'commit', merged.head], {
      cwd: f.url,
      stripFinalNewline: false,
    });
    const written = await execa('git', ['hash-object', '-w', '-t', 'commit', '--stdin'], {
      cwd: clone,
      input: commitObject.stdout,
    });
    expect(written.stdout).toBe(merged.head);
    const tree = await execa('git', ['cat-file', '-e', `${merged.head}^{tree}`], { cwd: clone, reject: false });
    expect(tree.exitCode).not.toBe(0);

    const dependent = await prepareOn({
      home: f.b,
      input: { git: f.config, boardId: board, taskId: 'dependent', startSha: merged.head },
    });
    expect(await showFile(dependent.path, 'HEAD', 'a.txt')).toBe('from worker a');
    await fsck(clone);
  });

  it('reports a conflict as on one machine and leaves the remote integration branch as it was', async () => {
    const f = await fleet();
    const one = await work(f, f.a, 'one', f.info.baseSha, { 'shared.txt': 'line 1\nONE\nline 3\n' });
    const two = await work(f, f.b, 'two', f.info.baseSha, { 'shared.txt': 'line 1\nTWO\nline 3\n' });
    const first = await integrateOn({
      home: f.b,
      input: { git: f.config, boardId: board, taskId: 'one', branch: one.wt.branch, taskSha: one.commit.sha },
    });
    expect(first.kind).toBe('merged');
    const second = await integrateOn({
      home: f.a,
      input: { git: f.config, boardId: board, taskId: 'two', branch: two.wt.branch, taskSha: two.commit.sha },
    });
    expect(second).toEqual({ kind: 'conflicted', head: first.head, files: ['shared.txt'] });
    expect(await git(f.url, ['rev-parse', integration])).toBe(first.head);
    expect(await showFile(f.url, integration, 'shared.txt')).toBe('line 1\nONE\nline 3');
  });

  it('puts the remote integration branch back to base when the board starts over', async () => {
    const f = await fleet();
    const one = await work(f, f.a, 'one', f.info.baseSha, { 'one.txt': '1\n' });
    const merged = await integrateOn({
      home: f.b,
      input: { git: f.config, boardId: board, taskId: 'one', branch: one.wt.branch, taskSha: one.commit.sha },
    });
    // Taken up as it is by a resumed run, on any worker.
    expect(await initOn({ home: f.b, input: { git: f.config, boardId: board } })).toMatchObject({
      baseSha: f.info.baseSha,
      integrationHead: merged.head,
    });
    expect(await initRemoteIntegration(f.b, { git: f.config, boardId: board, fresh: true })).toMatchObject({
      integrationHead: f.info.baseSha,
    });
    expect(await git(f.url, ['rev-parse', integration])).toBe(f.info.baseSha);
    await expect(
      integrateOn({
        home: f.a,
        input: { git: f.config, boardId: board, taskId: 'one', branch: 'todone/fleet/other', taskSha: one.commit.sha },
      }),
    ).rejects.toThrow(/works on todone\/fleet\/one, not todone\/fleet\/other/);
  });

  it('refuses a remote git cannot clone, naming the field', async () => {
    const root = await tempDir('todone-remote-');
    const config = remoteConfig(path.join(root, 'missing.git'));
    await expect(initOn({ home: path.join(root, 'home'), input: { git: config, boardId: board } })).rejects.toThrow(
      /^cannot clone git\.remote /,
    );
    await expect(
      initOn({ home: path.join(root, 'home'), input: { git: remoteConfig('-oProxyCommand=x'), boardId: board } }),
    ).rejects.toThrow(GitConfigError);
  });

  it('lands by pushing the integration head to base when base has not moved, and cleans the remote branches', async () => {
    const f = await fleet();
    const one = await work(f, f.a, 'one', f.info.baseSha, { 'one.txt': '1\n' });
    const merged = await integrateOn({
      home: f.b,
      input: { git: f.config, boardId: board, taskId: 'one', branch: one.wt.branch, taskSha: one.commit.sha },
    });
    const input = {
      git: f.config,
      boardId: board,
      baseBranch: 'main',
      expectedBaseSha: f.info.baseSha,
      integrationHead: merged.head,
    };
    expect(await landRemote(f.b, input)).toEqual({ landed: true, head: merged.head });
    expect(await git(f.url, ['rev-parse', 'main'])).toBe(merged.head);
    expect(await landRemote(f.a, input)).toEqual({ landed: true, head: merged.head });
    expect(
      await landRemote(f.a, { ...input, expectedBaseSha: merged.head, integrationHead: f.info.baseSha }),
    ).toMatchObject({ landed: false });

    expect(await cleanRemoteBranches(f.a, { git: f.config, boardId: board })).toEqual([`todone/${board}/one`]);
    expect(await cleanRemoteBranches(f.a, { git: f.config, boardId: board, all: true })).toEqual([integration]);
    expect(await git(f.url, ['for-each-ref', '--format=%(refname)', 'refs/heads/todone/'])).toBe('');
  });
});

describe.concurrent('a crash around a push', () => {
  it('after the local merge, before the push: the next attempt, on any worker, merges once', async () => {
    const f = await fleet();
    const one = await work(f, f.a, 'one', f.info.baseSha, { 'one.txt': '1\n' });
    const input = { git: f.config, boardId: board, taskId: 'one', branch: one.wt.branch, taskSha: one.commit.sha };
    const crashed = await child.call(
      'tests/support/git-remote.ts',
      'integrateOn',
      { home: f.b, input },
      { TODONE_CRASH_AT: 'integrate:before-push' },
    );
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    expect(await git(f.url, ['rev-parse', integration])).toBe(f.info.baseSha);
    for (const home of [f.b, f.a]) {
      const result = await integrateOn({ home, input });
      expect(result.kind).toBe(home === f.b ? 'merged' : 'already-integrated');
    }
    const merges = await git(f.url, ['log', '--merges', '--format=%s', integration]);
    expect(merges.split('\n')).toEqual([`todone(${board}): merge one`]);
  });

  it('after the push, before the answer: already-integrated', async () => {
    const f = await fleet();
    const one = await work(f, f.a, 'one', f.info.baseSha, { 'one.txt': '1\n' });
    const input = { git: f.config, boardId: board, taskId: 'one', branch: one.wt.branch, taskSha: one.commit.sha };
    const crashed = await child.call(
      'tests/support/git-remote.ts',
      'integrateOn',
      { home: f.b, input },
      { TODONE_CRASH_AT: 'integrate:after-push' },
    );
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const head = await git(f.url, ['rev-parse', integration]);
    expect(head).not.toBe(f.info.baseSha);
    expect(await integrateOn({ home: f.b, input })).toEqual({ kind: 'already-integrated', head });
  });

  it('after the commit was pushed: the retried commit finds the commit and the push done', async () => {
    const f = await fleet();
    const wt = await prepareOn({
      home: f.a,
      input: { git: f.config, boardId: board, taskId: 'one', startSha: f.info.baseSha },
    });
    await writeFiles(wt.path, { 'one.txt': '1\n' });
    const input = {
      git: f.config,
      boardId: board,
      taskId: 'one',
      description: 'one',
      path: wt.path,
      branch: wt.branch,
      startSha: f.info.baseSha,
    };
    const crashed = await child.call(
      'tests/support/git-remote.ts',
      'commitOn',
      { home: f.a, input },
      { TODONE_CRASH_AT: 'commit:after-push' },
    );
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    const pushed = await git(f.url, ['rev-parse', `todone/${board}/one`]);
    expect(await commitOn({ home: f.a, input })).toMatchObject({ sha: pushed, changed: true, pushed: 'already' });
  });
});
