/**
 * The board's integration branch (`todone/<board>/integration`, created from base) and the merge
 * queue's one step: bring one task's commit into it. Merges happen in a worktree of their own, so
 * the user's checkout is never involved. Each integration is all or nothing: a conflict leaves the
 * branch exactly as it was, and a crash at any point is repaired by the next call, which also
 * recognises a task already integrated so that nothing is integrated twice.
 */
import { CleanOptions, ResetMode } from 'simple-git';
import fs from 'node:fs/promises';
import path from 'node:path';
import { MAX_FILES } from './commit.js';
import { crashPoint } from './crash-point.js';
import { GitCommandError, GitConfigError } from './errors.js';
import {
  abandonOperations,
  branchSha,
  operationInProgress,
  worktreeStatus,
  clearStaleIndexLock,
  gitDirOf,
  isAncestor,
  openGit,
  revParse,
  tryRevParse,
  type Git,
  type GitResult,
} from './git.js';
import {
  integrationBranch,
  integrationCommitMessage,
  integrationWorktreePath,
  parseTrailers,
  taskBranch,
  withTrailers,
} from './names.js';
import {
  assertRootOutsideCheckouts,
  forgetWorktree,
  inspectWorktree,
  listWorktrees,
  markOwned,
  releaseBranchElsewhere,
} from './registry.js';
import { repoKey, withRepoLock } from './repo-lock.js';
import { replayCommits } from './replay.js';
import type {
  BoardGitConfig,
  InitIntegrationInput,
  InitIntegrationResult,
  IntegrateInput,
  IntegrateResult,
  NotReplayed,
  ReplayCommit,
} from './types.js';
import { checkInput, initIntegrationSchema, integrateSchema } from './validate.js';

/**
 * Creates the board's integration branch from base, or takes up the one an earlier run or attempt
 * left (a resumed board builds on its kept tasks' work). `fresh` puts it back to base first: the
 * board starts over. `rebuild` builds it again from base with the kept tasks' commits (replay.ts).
 */
export async function initIntegration(input: InitIntegrationInput): Promise<InitIntegrationResult> {
  checkInput(initIntegrationSchema, input, 'initIntegration');
  const { git: config, boardId } = input;
  const branch = integrationBranch(boardId);
  const repo = openGit(config.repo, config.author ? { author: config.author } : {});

  return withRepoLock(config.repo, async () => {
    const baseBranch = config.base ?? (await currentBranch(repo, config.repo));
    const baseHead = await branchSha(repo, baseBranch);
    if (!baseHead) {
      throw new GitConfigError(
        config.base
          ? `the base branch ${baseBranch} does not exist in ${config.repo}`
          : `the branch ${baseBranch} checked out in ${config.repo} has no commits yet: commit something first`,
      );
    }
    let integrationHead = await branchSha(repo, branch);
    let baseSha = baseHead;
    if (input.rebuild) {
      if (!integrationHead) await repo.raw(['branch', '--no-track', branch, baseHead]);
      const worktree = await ensureIntegrationWorktree(repo, config, boardId);
      const rebuilt = await rebuildOnto(worktree, branch, boardId, baseHead, input.rebuild);
      return { baseBranch, baseSha, integrationBranch: branch, ...rebuilt };
    }
    if (integrationHead && input.fresh) {
      // Only the branch moves: the integration worktree is put back on it by ensureIntegrationWorktree.
      await repo.raw([
        'update-ref',
        '-m',
        'todone: board starts over',
        `refs/heads/${branch}`,
        baseHead,
        integrationHead,
      ]);
      integrationHead = baseHead;
    } else if (integrationHead) {
      // Kept from an earlier run or attempt. Base is the user's branch and may have moved since; the
      // board started where its integration branch forked off it.
      const fork = await repo.run(['merge-base', integrationHead, baseHead], { ok: [1] });
      if (fork.exitCode === 0) baseSha = fork.stdout.trim();
    } else {
      await repo.raw(['branch', '--no-track', branch, baseHead]);
      integrationHead = baseHead;
    }
    await ensureIntegrationWorktree(repo, config, boardId);
    return { baseBranch, baseSha, integrationBranch: branch, integrationHead };
  });
}

/**
 * Replays the kept commits onto base in the integration worktree, then moves the branch there in
 * one step: a crash before it leaves the branch as it was, and the retry replays again.
 */
export async function rebuildOnto(
  worktree: Git,
  branch: string,
  boardId: string,
  baseHead: string,
  commits: readonly ReplayCommit[],
): Promise<{ integrationHead: string; notReplayed: NotReplayed[] }> {
  const { head, notReplayed } = await replayCommits(worktree, boardId, baseHead, commits);
  await worktree.raw(['update-ref', '-m', 'todone: rebuilt for a resumed board', `refs/heads/${branch}`, head]);
  await worktree.raw(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  return { integrationHead: head, notReplayed };
}

async function currentBranch(repo: Git, where: string): Promise<string> {
  const r = await repo.run(['symbolic-ref', '-q', '--short', 'HEAD'], { ok: [1] });
  const name = r.stdout.trim();
  if (r.exitCode !== 0 || name === '') {
    throw new GitConfigError(
      `${where} is on a detached HEAD: name the board's base branch (git base) so Todone knows where to start and land`,
    );
  }
  return name;
}

/**
 * The integration worktree, created or repaired, on the integration branch, with nothing in
 * progress and nothing uncommitted: whatever a crash left in it is thrown away, since only
 * committed integrations count.
 */
export async function ensureIntegrationWorktree(repo: Git, config: BoardGitConfig, boardId: string): Promise<Git> {
  const branch = integrationBranch(boardId);
  const wtPath = integrationWorktreePath(config.worktreeRoot);
  const root = config.worktreeRoot;
  const commonDir = await repoKey(config.repo);
  let entries = await listWorktrees(repo);
  await assertRootOutsideCheckouts(entries, root);
  if (await releaseBranchElsewhere(repo, entries, branch, wtPath, commonDir, root)) entries = await listWorktrees(repo);
  const worktree = repo.at(wtPath);
  const state = await inspectWorktree(repo, wtPath, entries, commonDir);
  if (state === 'healthy') {
    await restore(worktree, branch);
  } else {
    if (state === 'broken') await forgetWorktree(repo, wtPath, commonDir, root);
    await fs.mkdir(path.dirname(wtPath), { recursive: true });
    // The short name checks the branch out; `refs/heads/…` would detach.
    await repo.raw(['worktree', 'add', wtPath, branch]);
  }
  await markOwned(await gitDirOf(worktree), boardId);
  return worktree;
}

/** Back to the integration branch's head, clean: after a conflict, and before every integration. */
async function restore(worktree: Git, branch: string): Promise<void> {
  await clearStaleIndexLock(worktree);
  const busy = await operationInProgress(worktree);
  if (busy) await abandonOperations(worktree);
  const status = await worktreeStatus(worktree);
  // A rebase replays onto a detached HEAD; a crash there leaves it detached.
  if (status.branch !== branch) await worktree.raw(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  // Checked first because this runs before every integration, and almost always finds nothing to do.
  if (busy || status.branch !== branch || status.changed > 0)
    await worktree.api((g) => g.reset(ResetMode.HARD, ['HEAD']));
  if (status.untracked > 0) await worktree.api((g) => g.clean(CleanOptions.FORCE, ['-f', '-d', '-x']));
}

export async function integrate(input: IntegrateInput): Promise<IntegrateResult> {
  checkInput(integrateSchema, input, 'integrate');
  const { git: config, boardId, taskId, taskSha } = input;
  taskBranch(boardId, taskId);
  const branch = integrationBranch(boardId);
  const repo = openGit(config.repo, config.author ? { author: config.author } : {});

  return withRepoLock(config.repo, async () => {
    if (!(await branchSha(repo, branch))) {
      throw new GitConfigError(
        `the integration branch ${branch} does not exist in ${config.repo}: the board must initialise it first`,
      );
    }
    if (!(await tryRevParse(repo, taskSha)))
      throw new GitConfigError(`task ${taskId}'s commit ${taskSha} does not exist in ${config.repo}`);
    const worktree = await ensureIntegrationWorktree(repo, config, boardId);
    const head = await revParse(worktree, 'HEAD');
    if (await alreadyIntegrated(worktree, input, head)) return { kind: 'already-integrated', head };
    // The task's commit is already in (it changed nothing, so it is the commit it started from).
    if (await isAncestor(worktree, taskSha, head)) return { kind: 'nothing-to-merge', head };
    const step = { worktree, branch, head, input };
    if (config.strategy === 'rebase') return rebaseTask(step);
    if (config.strategy === 'squash') return squashTask(step);
    return mergeTask(step);
  });
}

interface Step {
  worktree: Git;
  branch: string;
  head: string;
  input: IntegrateInput;
}

/**
 * Whether the first-parent history since the task forked holds a commit integrating exactly this
 * task commit (its `Todone-Commit` trailer): a merge or squash commit, or the last commit a rebase
 * replayed. Naming the commit tells a re-run of the same task id (new commit) apart.
 */
async function alreadyIntegrated(worktree: Git, input: IntegrateInput, head: string): Promise<boolean> {
  const fork = await worktree.run(['merge-base', head, input.taskSha], { ok: [1] });
  const forkSha = fork.stdout.trim();
  // Nothing has been integrated since the task forked off the head.
  if (forkSha === head) return false;
  const range = fork.exitCode === 0 ? [`${forkSha}..${head}`] : [head];
  // --boundary prints the fork commit too (it cannot integrate the task), so git never prints nothing.
  const out = await worktree.raw(['log', '--first-parent', '--boundary', '--format=%B%x00', ...range, '--']);
  return out
    .split('\0')
    .map(parseTrailers)
    .some((t) => t.board === input.boardId && t.task === input.taskId && t.commit === input.taskSha);
}

async function mergeTask({ worktree, branch, head, input }: Step): Promise<IntegrateResult> {
  // --no-commit, then commit: the merge is only ever half done inside this worktree, never on the branch.
  const merge = await worktree.run(['merge', '--no-ff', '--no-commit', input.taskSha], { ok: [1] });
  if (merge.exitCode !== 0) return conflicted(worktree, branch, head, merge);
  crashPoint('integrate:during-merge');
  await commitFromStdin(worktree, integrationCommitMessage(input.boardId, input.taskId, input.taskSha, 'merge'));
  crashPoint('integrate:after-merge');
  return { kind: 'merged', head: await revParse(worktree, 'HEAD') };
}

async function squashTask({ worktree, branch, head, input }: Step): Promise<IntegrateResult> {
  // --ff: a user's `merge.ff = only` would otherwise refuse every squash that is not a fast-forward.
  const merge = await worktree.run(['merge', '--squash', '--ff', input.taskSha], { ok: [1] });
  if (merge.exitCode !== 0) return conflicted(worktree, branch, head, merge);
  crashPoint('integrate:during-merge');
  if ((await stagedFiles(worktree)).length === 0) {
    await restore(worktree, branch);
    return { kind: 'nothing-to-merge', head };
  }
  const subject = (await worktree.raw(['log', '-1', '--format=%s', input.taskSha])).trim();
  await commitFromStdin(
    worktree,
    integrationCommitMessage(input.boardId, input.taskId, input.taskSha, 'squash', subject),
  );
  crashPoint('integrate:after-merge');
  return { kind: 'merged', head: await revParse(worktree, 'HEAD') };
}

/**
 * Replays the task's commits on a detached HEAD, then moves the branch with one compare-and-swap:
 * a crash half way leaves the branch where it was, never holding part of a task.
 */
async function rebaseTask({ worktree, branch, head, input }: Step): Promise<IntegrateResult> {
  const commits = (
    await worktree.raw(['rev-list', '--reverse', '--topo-order', '--no-merges', `${head}..${input.taskSha}`])
  )
    .split('\n')
    .filter(Boolean);
  if (commits.length === 0) return { kind: 'nothing-to-merge', head };
  await worktree.api((g) => g.checkout(['--detach']));
  let replayed = 0;
  for (const commit of commits) {
    const pick = await worktree.run(['cherry-pick', '--no-commit', commit], { ok: [1] });
    if (pick.exitCode !== 0) return conflicted(worktree, branch, head, pick);
    if (replayed === 0) crashPoint('integrate:during-merge');
    // A change the integration branch already has: dropped, as `git rebase` drops it.
    if ((await stagedFiles(worktree)).length === 0) continue;
    await worktree.raw(['commit', '--no-verify', '--no-gpg-sign', '--reuse-message', commit]);
    replayed++;
  }
  if (replayed === 0) {
    await restore(worktree, branch);
    return { kind: 'nothing-to-merge', head };
  }
  const last = await worktree.raw(['log', '-1', '--format=%B', 'HEAD']);
  await worktree.raw(['commit', '--amend', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '--file=-'], {
    input: withTrailers(last, { board: input.boardId, task: input.taskId, commit: input.taskSha }),
  });
  const replayedHead = await revParse(worktree, 'HEAD');
  await worktree.raw([
    'update-ref',
    '-m',
    `todone: rebase ${input.taskId}`,
    `refs/heads/${branch}`,
    replayedHead,
    head,
  ]);
  crashPoint('integrate:after-merge');
  await worktree.raw(['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
  return { kind: 'merged', head: replayedHead };
}

async function conflicted(worktree: Git, branch: string, head: string, attempt: GitResult): Promise<IntegrateResult> {
  const files = [
    ...new Set(
      (await worktree.api((g) => g.diff(['--name-only', '-z', '--diff-filter=U']))).split('\0').filter(Boolean),
    ),
  ].sort();
  await restore(worktree, branch);
  if (files.length === 0) {
    // Not a conflict (e.g. an object git could not read): a failure worth retrying, not a verdict on the task.
    throw new GitCommandError(['merge'], attempt.exitCode, attempt.stderr || attempt.stdout, worktree.dir);
  }
  return { kind: 'conflicted', head, files: files.slice(0, MAX_FILES) };
}

async function stagedFiles(worktree: Git): Promise<string[]> {
  return (await worktree.api((g) => g.diff(['--cached', '--name-only', '-z', '--no-renames'])))
    .split('\0')
    .filter(Boolean);
}

async function commitFromStdin(worktree: Git, message: string): Promise<void> {
  await worktree.raw(['commit', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '--file=-'], {
    input: message,
  });
}
