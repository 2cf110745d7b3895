/**
 * Rebuilding a resumed board's integration branch (initIntegration with `rebuild`) on real
 * repositories: kept commits replayed onto base in order, with their trailers; one that no longer
 * applies, is gone, or depends on one that was not replayed is named with its reason and leaves
 * nothing behind; the same on a remote board, whose rebuilt branch is pushed with a lease. Run
 * again (a retry after a lost answer) it gives the same content.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initIntegration, integrate } from '../../activities/git/integration.js';
import { initRemoteIntegration } from '../../activities/git/remote.js';
import { commitWork } from '../../activities/git/commit.js';
import type { BoardGitConfig } from '../../activities/git/types.js';
import { prepareWorktree, releaseWorktree } from '../../activities/git/worktree.js';
import { showFile } from '../support/git-repo.js';
import { fixture, fsck, git, removeTempDirs, statusAll, tempDir, writeFiles } from '../support/git-layer.js';
import { createBareRemote, remoteConfig } from '../support/git-remote.js';

afterAll(removeTempDirs);

const board = 'rebuild';

/** One task through the layer on a local repository: its commit, merged into the integration branch. */
async function task(config: BoardGitConfig, taskId: string, startSha: string, files: Record<string, string>) {
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
  const merged = await integrate({ git: config, boardId: board, taskId, branch: wt.branch, taskSha: commit.sha });
  await releaseWorktree({ git: config, boardId: board, taskId, path: wt.path, branch: wt.branch, remove: true });
  return { sha: commit.sha, head: merged.head };
}

describe.concurrent('rebuilding the integration branch of a resumed board', () => {
  it('replays kept commits onto the current base in order, and leaves out the rest', async () => {
    const { repo, config } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const a = await task(config, 'a', info.baseSha, { 'a.txt': 'a\n' });
    const changed = await task(config, 'changed', info.baseSha, { 'changed.txt': 'old\n' });
    const b = await task(config, 'b', changed.head, { 'b.txt': 'b\n', 'a.txt': 'a, then b\n' });
    // Base moves on: the rebuilt branch starts from where it is now.
    await writeFiles(repo, { 'base.txt': 'moved\n' });
    await git(repo, ['add', '.']);
    await git(repo, ['commit', '-qm', 'base moves']);
    const base = await git(repo, ['rev-parse', 'main']);

    const rebuild = [
      { taskId: 'a', sha: a.sha, dependsOn: [] },
      { taskId: 'b', sha: b.sha, dependsOn: ['a'] },
    ];
    const rebuilt = await initIntegration({ git: config, boardId: board, rebuild });
    expect(rebuilt).toMatchObject({ baseSha: base, notReplayed: [] });
    const branch = rebuilt.integrationBranch;
    expect(await git(repo, ['rev-parse', branch])).toBe(rebuilt.integrationHead);
    expect(await showFile(repo, branch, 'a.txt')).toBe('a, then b');
    expect(await showFile(repo, branch, 'base.txt')).toBe('moved');
    // The task that changed is gone with its work; b's own commit did not bring it back.
    expect(await showFile(repo, branch, 'changed.txt')).toBeUndefined();
    const log = await git(repo, [
      'log',
      '--format=%(trailers:key=Todone-Task,valueonly)%(trailers:key=Todone-Commit,valueonly)',
      `${base}..${branch}`,
    ]);
    expect(log.split('\n').filter(Boolean)).toEqual(['b', b.sha, 'a', a.sha]);

    // Its answer lost, the step runs again: the same content, and the user's checkout untouched throughout.
    const again = await initIntegration({ git: config, boardId: board, rebuild });
    expect(await git(repo, ['rev-parse', `${again.integrationHead}^{tree}`])).toBe(
      await git(repo, ['rev-parse', `${rebuilt.integrationHead}^{tree}`]),
    );
    expect(await statusAll(repo)).toBe('');
    await fsck(repo);
  });

  it('names a commit that no longer applies, one that is gone, and what depends on them, leaving no trace', async () => {
    const { repo, config } = await fixture();
    const info = await initIntegration({ git: config, boardId: board });
    const edits = await task(config, 'edits', info.baseSha, { 'shared.txt': 'line 1\nEDITED\nline 3\n' });
    const after = await task(config, 'after', edits.head, { 'after.txt': 'after\n' });
    const fine = await task(config, 'fine', info.baseSha, { 'fine.txt': 'fine\n' });
    await writeFiles(repo, { 'shared.txt': 'line 1\nBASE\nline 3\n' });
    await git(repo, ['commit', '-qam', 'base edits the same line']);

    const rebuilt = await initIntegration({
      git: config,
      boardId: board,
      rebuild: [
        { taskId: 'edits', sha: edits.sha, dependsOn: [] },
        { taskId: 'after', sha: after.sha, dependsOn: ['edits'] },
        { taskId: 'gone', sha: 'f'.repeat(40), dependsOn: [] },
        { taskId: 'fine', sha: fine.sha, dependsOn: [] },
      ],
    });
    expect(rebuilt.notReplayed).toEqual([
      { taskId: 'edits', reason: 'its work no longer applies (conflict in shared.txt)' },
      { taskId: 'after', reason: 'its dependency "edits" runs again' },
      { taskId: 'gone', reason: `its commit ${'f'.repeat(12)} is no longer in the repository` },
    ]);
    const branch = rebuilt.integrationBranch;
    expect(await showFile(repo, branch, 'shared.txt')).toBe('line 1\nBASE\nline 3');
    expect(await showFile(repo, branch, 'fine.txt')).toBe('fine');
    expect(await showFile(repo, branch, 'after.txt')).toBeUndefined();
    expect(await git(repo, ['rev-list', '--count', `main..${branch}`])).toBe('1');
    await fsck(repo);
  });

  it('refuses a rebuild list that is not one, naming the field, before any git command', async () => {
    const { config } = await fixture();
    await expect(
      initIntegration({
        git: config,
        boardId: board,
        rebuild: [{ taskId: '../x', sha: '--upload-pack=evil', dependsOn: [] }],
      }),
    ).rejects.toThrow(/initIntegration: invalid input\n {2}rebuild\.0\.taskId: .*\n {2}rebuild\.0\.sha: /);
  });
});

describe('rebuilding on a remote board', () => {
  it('builds the branch in a worker clone from what the remote holds and pushes it with a lease', async () => {
    const root = await tempDir('todone-rebuild-remote-');
    const url = await createBareRemote(root, { 'README.md': '# project\n' });
    const config = remoteConfig(url);
    const home = path.join(root, 'home');
    const info = await initRemoteIntegration(home, { git: config, boardId: board });
    // A kept task's commit, merged on the remote by another worker of the fleet.
    const other = path.join(root, 'other');
    await git(root, ['clone', '-q', url, other]);
    await git(other, ['checkout', '-q', '-b', `todone/${board}/kept`, info.baseSha]);
    await writeFiles(other, { 'kept.txt': 'kept\n' });
    await git(other, ['add', '.']);
    await git(other, ['commit', '-qm', 'kept work']);
    const kept = await git(other, ['rev-parse', 'HEAD']);
    await git(other, ['checkout', '-q', '-B', 'integration', `origin/todone/${board}/integration`]);
    await git(other, ['merge', '-q', '--no-ff', '-m', 'merge kept', kept]);
    await git(other, ['push', '-q', 'origin', `HEAD:refs/heads/todone/${board}/integration`]);

    const rebuilt = await initRemoteIntegration(home, {
      git: config,
      boardId: board,
      rebuild: [{ taskId: 'kept', sha: kept, dependsOn: [] }],
    });
    expect(rebuilt.notReplayed).toEqual([]);
    expect(await git(url, ['rev-parse', `todone/${board}/integration`])).toBe(rebuilt.integrationHead);
    expect(await showFile(url, `todone/${board}/integration`, 'kept.txt')).toBe('kept');
    // One replayed commit on base, no merge.
    expect(await git(url, ['rev-list', '--count', `main..todone/${board}/integration`])).toBe('1');
  });
});
