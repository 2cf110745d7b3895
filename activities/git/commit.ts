/**
 * Commits everything a task changed in its worktree, as one commit on its branch whose message names
 * the board and the task. Run again after a crash it finds the commit already made (the branch has
 * moved past the start commit) instead of making another; a task that changed nothing says so.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { crashPoint } from './crash-point.js';
import { GitCommandError, GitConfigError, WorktreeGoneError } from './errors.js';
import { extraExcludes } from './extras.js';
import { clearStaleIndexLock, commonDirOf, gitDirOf, openGit, revParse, type Git } from './git.js';
import { taskBranch, taskCommitMessage } from './names.js';
import { exists, realpathLoose } from './paths.js';
import { repoKey, withRepoLock } from './repo-lock.js';
import type { CommitInput, CommitResult } from './types.js';
import { checkInput, commitSchema } from './validate.js';

/** Paths reported per commit: enough to read, small enough for a workflow history. */
export const MAX_FILES = 200;

export async function commitWork(input: CommitInput): Promise<CommitResult> {
  checkInput(commitSchema, input, 'commitWork');
  const { git: config, boardId, taskId, description, startSha } = input;
  const branch = taskBranch(boardId, taskId);
  if (input.branch !== branch)
    throw new GitConfigError(`commitWork: task ${taskId} works on ${branch}, not ${input.branch}`);
  const worktree = openGit(input.path, config.author ? { author: config.author } : {});
  await checkTaskWorktree(worktree, config.repo, taskId);

  if (
    await fs.stat(path.join(await gitDirOf(worktree), 'index.lock')).then(
      () => true,
      () => false,
    )
  ) {
    await withRepoLock(config.repo, () => clearStaleIndexLock(worktree));
  }
  // An agent may have switched branches or detached HEAD; its work is wherever HEAD is now.
  const head = await worktree.run(['symbolic-ref', '-q', 'HEAD'], { ok: [1] });
  if (head.stdout.trim() !== `refs/heads/${branch}`)
    await worktree.api((g) => g.checkout(['--no-track', '-B', branch]));

  const excludes = await extraExcludes(worktree, config);
  await worktree.api((g) => g.add(['--all', '--verbose', '--', '.', ...excludes]));
  crashPoint('commit:after-add');
  const staged = await worktree.api((g) => g.diff(['--cached', '--name-only', '-z', '--no-renames']));
  if (staged !== '') {
    await worktree.raw(['commit', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '--file=-'], {
      // Only a remote board's commit needs its lease (its branch is shared by the workers' runs).
      input: taskCommitMessage(boardId, taskId, description, config.remote !== undefined ? input.leasedAt : undefined),
    });
    crashPoint('commit:after-commit');
  }

  const sha = await revParse(worktree, 'HEAD');
  // The tree names the content: candidates of one task that wrote the same thing share it (votes).
  const tree = await revParse(worktree, `${sha}^{tree}`);
  if (sha === startSha)
    return { sha, tree, changed: false, files: [], filesTruncated: false, insertions: 0, deletions: 0 };
  return { sha, tree, changed: true, ...(await diffStat(worktree, startSha, sha)) };
}

/**
 * The task's worktree as git sees it. One git cannot read as a repository any more has lost its
 * work, and no retry of the step brings it back: removed from under the worker (even while this
 * looks: a removal under way fails git before its .git goes), or its link to the repository
 * broken. The task starts again from a new worktree. One of another repository is misconfigured.
 */
async function checkTaskWorktree(worktree: Git, repo: string, taskId: string): Promise<void> {
  const gone = () =>
    new WorktreeGoneError(
      `the worktree ${worktree.dir} of task ${taskId} is gone or no longer a git worktree: its work was lost before the commit`,
    );
  if (!(await exists(path.join(worktree.dir, '.git')))) throw gone();
  await assertWorktreeOf(worktree, repo, async (error) => {
    const unreadable = error instanceof GitCommandError && error.status === 128;
    return unreadable || !(await exists(path.join(worktree.dir, '.git'))) ? gone() : error;
  });
}

/**
 * Fails unless `worktree` is a worktree of `repo`. `unreadable` says what a git failure to read it
 * means (by default the same misconfiguration; gone, for a task's worktree being committed).
 */
export async function assertWorktreeOf(
  worktree: Git,
  repo: string,
  unreadable: (error: unknown) => Promise<unknown> = () => Promise.resolve(notWorktreeOf(worktree, repo)),
): Promise<void> {
  let common: string;
  try {
    common = await commonDirOf(worktree);
  } catch (error) {
    throw await unreadable(error);
  }
  if ((await realpathLoose(common)) !== (await repoKey(repo))) throw notWorktreeOf(worktree, repo);
}

function notWorktreeOf(worktree: Git, repo: string): GitConfigError {
  return new GitConfigError(`${worktree.dir} is not a worktree of ${repo}`);
}

export async function diffStat(
  git: Git,
  from: string,
  to: string,
): Promise<Pick<CommitResult, 'files' | 'filesTruncated' | 'insertions' | 'deletions'>> {
  const out = await git.api((g) =>
    g.diff(['--numstat', '-z', '--no-renames', '--no-ext-diff', '--no-textconv', from, to]),
  );
  const files: string[] = [];
  let insertions = 0;
  let deletions = 0;
  for (const record of out.split('\0')) {
    const match = /^(-|\d+)\t(-|\d+)\t([\s\S]*)$/.exec(record);
    if (!match) continue;
    const [, added = '-', removed = '-', file = ''] = match;
    // Binary files count as changed without line counts ("-").
    if (added !== '-') insertions += Number(added);
    if (removed !== '-') deletions += Number(removed);
    files.push(file);
  }
  return { files: files.slice(0, MAX_FILES), filesTruncated: files.length > MAX_FILES, insertions, deletions };
}
