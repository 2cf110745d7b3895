/**
 * Git boards on a fleet: the board names a remote (`remote: <url>`) and every worker keeps its own
 * bare clone of it under its data folder, with that board's worktrees beside it. Work crosses
 * machines only through the remote: a task's commit is pushed to its task branch, the merge queue
 * fetches the integration branch and the task branch, merges in the worker's own integration
 * worktree and pushes the result with a lease, and a dependent fetches the integration head it
 * starts from. Each step wraps the local step of the same name (worktree.ts, commit.ts,
 * integration.ts), so crash repair and idempotency are the local ones, plus a push that is
 * recognised when it was already done: a remote ref already at the SHA, or an integration branch
 * that already holds the task's merge.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { remoteUrlProblem } from '../../src/core/rules.js';
import { withFileLock } from '../../src/util/file-lock.js';
import { rememberBoardRepo } from './board-registry.js';
import { commitWork } from './commit.js';
import { crashPoint } from './crash-point.js';
import { GitCommandError, GitConfigError } from './errors.js';
import { branchSha, isAncestor, openGit, tryRevParse, type Git } from './git.js';
import { ensureIntegrationWorktree, integrate, rebuildOnto } from './integration.js';
import { boardBranch, boardBranchPrefix, integrationBranch, parseTrailers, taskBranch } from './names.js';
import { exists } from './paths.js';
import { withRepoLock } from './repo-lock.js';
import type {
  BoardGitConfig,
  CommitInput,
  CommitResult,
  InitIntegrationInput,
  InitIntegrationResult,
  IntegrateInput,
  IntegrateResult,
  LandInput,
  LandResult,
  PreparedWorktree,
  PrepareWorktreeInput,
  ReleaseWorktreeInput,
} from './types.js';
import { prepareWorktree, releaseWorktree } from './worktree.js';

/** The remote as git knows it in every worker's clone. */
const ORIGIN = 'origin';
/** Where fetched branches land in a clone: never the local branches the worktrees use. */
const TRACKING = `refs/remotes/${ORIGIN}/`;

export function isRemote(config: Pick<BoardGitConfig, 'remote'>): config is { remote: string } {
  return config.remote !== undefined;
}

/** `<home>/git/<name>-<hash of the url>`: one folder per remote, named so a person can tell which. */
export function remoteFolder(home: string, url: string): string {
  const name =
    url
      .replace(/[/\\]+$/, '')
      .split(/[/\\:]/)
      .pop()
      ?.replace(/\.git$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+/, '')
      .slice(0, 40) || 'repo';
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return path.join(home, 'git', `${name}-${hash}`);
}

/**
 * The board's git settings as they are on this worker: `repo` is the worker's clone and
 * `worktreeRoot` its folder for the board's worktrees; `remote` stays, so the steps know to push.
 */
export function onThisWorker(
  home: string,
  config: BoardGitConfig,
  boardId: string,
): BoardGitConfig & { remote: string } {
  const url = checkRemote(config);
  const folder = remoteFolder(home, url);
  return {
    ...config,
    remote: url,
    repo: path.join(folder, 'clone'),
    worktreeRoot: path.join(folder, 'worktrees', boardId),
  };
}

function checkRemote(config: BoardGitConfig): string {
  const url = config.remote;
  const problem = url === undefined ? 'is missing' : remoteUrlProblem(url);
  if (problem !== undefined || url === undefined)
    throw new GitConfigError(`git.remote ${JSON.stringify(url)}: ${problem}`);
  return url;
}

/** Boards whose clone this process has made sure of and recorded (for the start-up sweep). */
const ready = new Set<string>();

/**
 * The local settings, with the clone made if this worker has none yet: cloned into a temporary
 * folder and renamed, under a lock, so a crash never leaves half a clone where one is expected.
 */
export async function cloneFor(
  home: string,
  config: BoardGitConfig,
  boardId: string,
): Promise<BoardGitConfig & { remote: string }> {
  const local = onThisWorker(home, config, boardId);
  const key = `${home}\0${local.repo}\0${boardId}`;
  if (ready.has(key) && (await exists(path.join(local.repo, 'HEAD')))) return local;
  const folder = path.dirname(local.repo);
  await fs.mkdir(folder, { recursive: true });
  await withFileLock(
    `${folder}.lock`,
    async () => {
      if (await exists(path.join(local.repo, 'HEAD'))) return;
      const partial = `${local.repo}.partial`;
      await fs.rm(partial, { recursive: true, force: true });
      // --bare: the clone is only ever a store of objects and refs for the worktrees beside it.
      const cloned = await openGit(folder).run(
        ['clone', '--bare', '--no-tags', '--quiet', '--', local.remote, partial],
        { ok: [128] },
      );
      if (cloned.exitCode !== 0) {
        await fs.rm(partial, { recursive: true, force: true });
        throw new GitConfigError(`cannot clone git.remote ${local.remote}: ${firstLines(cloned.stderr)}`);
      }
      // A folder there without HEAD is no clone (a copy or cleanup cut short): it gives way.
      await fs.rm(local.repo, { recursive: true, force: true });
      await fs.rename(partial, local.repo);
    },
    { timeoutMs: 30 * 60_000 },
  );
  // The record lets this worker's start-up sweep find the board's worktrees in its own clone.
  await rememberBoardRepo(home, boardId, local);
  ready.add(key);
  return local;
}

/**
 * Fetches `branches` from the remote into tracking refs and returns where each is there (absent
 * when the remote has no such branch). Callers hold the clone's repository lock.
 */
async function fetchBranches(clone: Git, branches: readonly string[]): Promise<Map<string, string | undefined>> {
  const listed = await lsRemote(
    clone,
    branches.map((b) => `refs/heads/${b}`),
  );
  const present = branches.filter((b) => listed.has(`refs/heads/${b}`));
  const heads = new Map<string, string | undefined>(branches.map((b) => [b, undefined]));
  if (present.length === 0) return heads;
  await clone.raw([
    'fetch',
    '--no-tags',
    '--quiet',
    '--no-write-fetch-head',
    ORIGIN,
    ...present.map((b) => `+refs/heads/${b}:${TRACKING}${b}`),
  ]);
  // What was fetched, not what was listed: the branch may have moved in between.
  for (const b of present) heads.set(b, await tryRevParse(clone, `${TRACKING}${b}`));
  return heads;
}

/** `ls-remote` of exact refs: full ref name to SHA. */
async function lsRemote(clone: Git, refs: readonly string[]): Promise<Map<string, string>> {
  const out = await clone.raw(['ls-remote', '--refs', ORIGIN, ...refs]);
  const found = new Map<string, string>();
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    // ls-remote matches patterns by suffix: only the exact names asked for count.
    if (sha && ref && refs.includes(ref)) found.set(ref, sha);
  }
  return found;
}

type PushResult = 'pushed' | 'rejected';

/**
 * Sets the remote's `branch` to `sha` (deletes it when `sha` is undefined) only if it is now at
 * `expected` (undefined: must not exist), as a compare-and-swap; or unconditionally with `force`.
 */
async function pushRef(
  clone: Git,
  branch: string,
  sha: string | undefined,
  lease: { expected: string | undefined } | 'force',
): Promise<PushResult> {
  const ref = `refs/heads/${branch}`;
  const leaseArg = lease === 'force' ? '--force' : `--force-with-lease=${ref}:${lease.expected ?? ''}`;
  const pushed = await clone.run(['push', '--porcelain', '--no-verify', leaseArg, ORIGIN, `${sha ?? ''}:${ref}`], {
    ok: [1],
  });
  if (pushed.exitCode === 0) return 'pushed';
  // A stale lease or a ref that changed: the caller decides (a retry fetches again).
  if (/\[rejected\]|stale info|fetch first|non-fast-forward/.test(pushed.stdout + pushed.stderr)) return 'rejected';
  throw new GitCommandError(['push', ORIGIN, ref], pushed.exitCode, pushed.stderr || pushed.stdout, clone.dir);
}

/** The remote's default branch (its HEAD): a remote board's base when the board names none. */
async function remoteDefaultBranch(clone: Git, url: string): Promise<string> {
  const out = await clone.raw(['ls-remote', '--symref', ORIGIN, 'HEAD']);
  const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
  if (!match?.[1])
    throw new GitConfigError(
      `git.remote ${url} has no default branch (an empty repository?): name the board's base branch`,
    );
  return match[1];
}

function author(config: BoardGitConfig) {
  return config.author ? { author: config.author } : {};
}

/**
 * The remote integration branch, created from base when absent (a push that must not find it there),
 * taken up when an earlier run or attempt left it, put back to base with `fresh`.
 */
export async function initRemoteIntegration(home: string, input: InitIntegrationInput): Promise<InitIntegrationResult> {
  const local = await cloneFor(home, input.git, input.boardId);
  const clone = openGit(local.repo, author(local));
  const branch = integrationBranch(input.boardId);
  return withRepoLock(local.repo, async () => {
    const baseBranch = local.base ?? (await remoteDefaultBranch(clone, local.remote));
    const heads = await fetchBranches(clone, [baseBranch, branch]);
    const baseHead = heads.get(baseBranch);
    if (!baseHead) throw new GitConfigError(`the base branch ${baseBranch} does not exist in ${local.remote}`);
    let integrationHead = heads.get(branch);
    let baseSha = baseHead;
    if (input.rebuild) {
      // Built in this clone's integration worktree from what the remote holds, then pushed with a lease.
      await clone.raw(['update-ref', `refs/heads/${branch}`, integrationHead ?? baseHead]);
      const worktree = await ensureIntegrationWorktree(clone, local, input.boardId);
      const rebuilt = await rebuildOnto(worktree, branch, input.boardId, baseHead, input.rebuild);
      if ((await pushRef(clone, branch, rebuilt.integrationHead, { expected: integrationHead })) === 'rejected')
        throw moved(branch, local.remote);
      return { baseBranch, baseSha, integrationBranch: branch, ...rebuilt };
    }
    if (integrationHead && input.fresh) {
      if ((await pushRef(clone, branch, baseHead, { expected: integrationHead })) === 'rejected')
        throw moved(branch, local.remote);
      integrationHead = baseHead;
    } else if (integrationHead) {
      const fork = await clone.run(['merge-base', integrationHead, baseHead], { ok: [1] });
      if (fork.exitCode === 0) baseSha = fork.stdout.trim();
    } else {
      if ((await pushRef(clone, branch, baseHead, { expected: undefined })) === 'rejected')
        throw moved(branch, local.remote);
      integrationHead = baseHead;
    }
    return { baseBranch, baseSha, integrationBranch: branch, integrationHead };
  });
}

/** Worth a retry: the next attempt fetches again and sees what moved the branch. */
function moved(branch: string, url: string): GitCommandError {
  return new GitCommandError(['push', ORIGIN, branch], 1, `${branch} changed on ${url} while this step ran`, url);
}

/**
 * Whether the clone holds the commit and everything it is made of. A fetch cut short (its worker
 * killed, its disk full) can leave a commit's object without its trees, since small fetches are
 * unpacked object by object, commits first: rev-parse finds the commit, a checkout of it then
 * fails ("bad tree object"), and nothing would fetch it again. The walk stops at what the clone's
 * refs reach, which git keeps whole, so a commit a ref holds costs one call.
 */
async function holdsWhole(clone: Git, sha: string): Promise<boolean> {
  // One git call: a commit the clone lacks altogether fails the walk the same way ("bad object").
  const walk = await clone.run(['rev-list', '--objects', '--quiet', sha, '--not', '--all'], { ok: [128] });
  return walk.exitCode === 0;
}

/**
 * The task's worktree in this worker's clone, after fetching the commit it starts from when the
 * clone does not have it yet (another worker integrated it). Answers which queue reaches this worker.
 */
export async function prepareRemoteWorktree(
  home: string,
  ownQueue: string | undefined,
  input: PrepareWorktreeInput,
): Promise<PreparedWorktree> {
  const local = await cloneFor(home, input.git, input.boardId);
  const clone = openGit(local.repo, author(local));
  const startBranch = input.startBranch ?? integrationBranch(input.boardId);
  // The name reaches a refspec: only a branch of this board.
  if (input.startBranch !== undefined) boardBranch(input.boardId, input.startBranch);
  await withRepoLock(local.repo, async () => {
    if (await holdsWhole(clone, input.startSha)) return;
    // A start commit is base or an integration head (the integration branch holds both), or the
    // task's own earlier work on its branch (a task sent back).
    await fetchBranches(clone, [...new Set([integrationBranch(input.boardId), startBranch])]);
    if (await holdsWhole(clone, input.startSha)) return;
    throw new GitConfigError(
      `task ${input.taskId} starts from ${input.startSha}, which ${local.remote} does not have on ${startBranch}: was the branch rewritten?`,
    );
  });
  const prepared = await prepareWorktree({ ...input, git: local });
  return { ...prepared, repo: local.repo, worktreeRoot: local.worktreeRoot, ...(ownQueue ? { queue: ownQueue } : {}) };
}

/** Commits as on one machine, then pushes the task branch (already there: nothing to push). */
export async function commitRemoteWork(
  home: string,
  input: CommitInput,
): Promise<CommitResult & { pushed?: 'pushed' | 'already' }> {
  const local = await cloneFor(home, input.git, input.boardId);
  const result = await commitWork({ ...input, git: local });
  // Unchanged: the start commit is already on the integration branch, nothing to carry over.
  if (!result.changed) return result;
  crashPoint('commit:before-push');
  const pushed = await pushTaskBranch(openGit(local.repo, author(local)), input.branch, result.sha, input.leasedAt);
  crashPoint('commit:after-push');
  return { ...result, pushed };
}

/** Attempts at the compare-and-swap before the step gives up (and is retried). */
const PUSH_TRIES = 5;
/**
 * A lease further ahead of this worker's clock than any skew between machines is not believed: an
 * agent can commit by itself with a trailer of its choosing, and must not stop later runs of its task.
 */
const CREDIBLE_LEASE_AHEAD_MS = 60 * 60_000;

/**
 * The task branch is the task's own: a retry, a rerun after a lost worker or a later run of the
 * board overwrites it, but never with an older lease's commit. A worker taken for lost (stopped,
 * partitioned) that wakes up before its push would otherwise put its commit over the rerun's, and
 * the merge step, fetching the branch, would not find the commit it was asked to merge.
 */
async function pushTaskBranch(
  clone: Git,
  branch: string,
  sha: string,
  leasedAt: number | undefined,
): Promise<'pushed' | 'already'> {
  const ref = `refs/heads/${branch}`;
  for (let tries = 1; ; tries++) {
    const there = (await lsRemote(clone, [ref])).get(ref);
    if (there === sha) return 'already';
    // An input recorded before leases were passed: the old rule, last push wins.
    if (leasedAt === undefined) {
      await pushRef(clone, branch, sha, 'force');
      return 'pushed';
    }
    const theirs = there === undefined ? undefined : await leaseOf(clone, branch, there);
    if (theirs !== undefined && theirs > leasedAt && theirs <= Date.now() + CREDIBLE_LEASE_AHEAD_MS)
      throw new GitConfigError(
        `${branch} holds ${there!.slice(0, 12)} from a later run of the task: this run was taken for lost, and its commit ${sha.slice(0, 12)} is not pushed`,
      );
    // Compare-and-swap on what was read: a push in between (another run's) is read again.
    if ((await pushRef(clone, branch, sha, { expected: there })) === 'pushed') return 'pushed';
    if (tries >= PUSH_TRIES) throw moved(branch, ORIGIN);
  }
}

/** The lease time of the commit at the tip of the remote's `branch` (undefined: a commit without one). */
async function leaseOf(clone: Git, branch: string, sha: string): Promise<number | undefined> {
  if (!(await tryRevParse(clone, sha))) await fetchBranches(clone, [branch]);
  const message = await clone.run(['log', '-1', '--format=%B', sha, '--'], { ok: [128] });
  return message.exitCode === 0 ? parseTrailers(message.stdout).leased : undefined;
}

/**
 * One turn of the merge queue on whichever worker took it: the local integration branch is put
 * at the remote's head, the task merged as on one machine, and the result pushed only if the
 * remote is still where it was fetched. A merge pushed before a crash is found on the remote
 * (already-integrated), so nothing is merged twice.
 */
export async function integrateRemote(home: string, input: IntegrateInput): Promise<IntegrateResult> {
  const local = await cloneFor(home, input.git, input.boardId);
  const clone = openGit(local.repo, author(local));
  const branch = integrationBranch(input.boardId);
  // The name reaches a refspec: only the task's own branch, or one of its candidates' (best of N), is fetched.
  const own = taskBranch(input.boardId, input.taskId);
  if (input.branch !== own && !isCandidateBranch(own, input.branch)) {
    throw new GitConfigError(`integrate: task ${input.taskId} works on ${own}, not ${input.branch}`);
  }
  crashPoint('integrate:start');
  return withRepoLock(local.repo, async () => {
    const heads = await fetchBranches(clone, [branch, input.branch]);
    const remoteHead = heads.get(branch);
    if (!remoteHead)
      throw new GitConfigError(
        `the integration branch ${branch} does not exist in ${local.remote}: the board must initialise it first`,
      );
    if (!(await tryRevParse(clone, input.taskSha))) {
      const at = heads.get(input.branch);
      throw new GitConfigError(
        `task ${input.taskId}'s commit ${input.taskSha} is not on ${local.remote} (its branch ${input.branch} is ${at ? `at ${at}` : 'not there'})`,
      );
    }
    // Whatever this clone did before (a merge a crash kept from being pushed) gives way to the remote.
    await clone.raw([
      'update-ref',
      '-m',
      'todone: integration head from the remote',
      `refs/heads/${branch}`,
      remoteHead,
    ]);
    const result = await integrate({ ...input, git: local });
    if (result.kind !== 'merged') return result;
    crashPoint('integrate:before-push');
    if ((await pushRef(clone, branch, result.head, { expected: remoteHead })) === 'rejected')
      throw moved(branch, local.remote);
    crashPoint('integrate:after-push');
    return result;
  });
}

/** `<task branch>.c<n>`: the branch of candidate n of the task (best of N; see workflows/git-task.ts). */
function isCandidateBranch(own: string, branch: string): boolean {
  return branch.startsWith(`${own}.c`) && /^[1-9][0-9]*$/.test(branch.slice(own.length + 2));
}

/** Releases the worktree as on one machine; a removed task's branch goes from the remote too, if it still holds this worktree's commit. */
export async function releaseRemoteWorktree(home: string, input: ReleaseWorktreeInput): Promise<void> {
  const local = await cloneFor(home, input.git, input.boardId);
  const clone = openGit(local.repo, author(local));
  const branch = taskBranch(input.boardId, input.taskId);
  const sha = input.remove && !input.keepBranch ? await branchSha(clone, branch) : undefined;
  await releaseWorktree({ ...input, git: local });
  if (!sha) return;
  const there = (await lsRemote(clone, [`refs/heads/${branch}`])).get(`refs/heads/${branch}`);
  // Another worker's rerun of the task may own the branch now: only our own commit is deleted.
  if (there === sha) await pushRef(clone, branch, undefined, { expected: sha });
}

/**
 * `todone land` on a remote board: the remote's base branch is moved to the integration head,
 * fast-forward only and only if it is still where the board started, by a push with a lease. No
 * checkout is touched; people pull it as they would any other change.
 */
export async function landRemote(home: string, input: LandInput): Promise<LandResult> {
  const local = await cloneFor(home, input.git, input.boardId);
  const clone = openGit(local.repo, author(local));
  const refuse = (reason: string): LandResult => ({ landed: false, reason });
  const { baseBranch, expectedBaseSha, integrationHead } = input;
  return withRepoLock(local.repo, async () => {
    const heads = await fetchBranches(clone, [baseBranch, integrationBranch(input.boardId)]);
    const current = heads.get(baseBranch);
    if (!current) return refuse(`the base branch ${baseBranch} no longer exists in ${local.remote}`);
    if (!(await tryRevParse(clone, integrationHead)))
      return refuse(`the integration head ${integrationHead.slice(0, 12)} is not on ${local.remote}`);
    if (current === integrationHead) return { landed: true, head: current };
    if (current !== expectedBaseSha) {
      return refuse(
        `${baseBranch} has moved on ${local.remote} since the board started (from ${expectedBaseSha.slice(0, 12)} to ${current.slice(0, 12)}); ` +
          `merge ${integrationBranch(input.boardId)} into it yourself, or run the board again.`,
      );
    }
    if (!(await isAncestor(clone, current, integrationHead)))
      return refuse(`the integration head does not contain ${baseBranch}: it cannot be fast-forwarded`);
    if ((await pushRef(clone, baseBranch, integrationHead, { expected: current })) === 'rejected')
      return refuse(`${baseBranch} changed on ${local.remote} while landing`);
    return { landed: true, head: integrationHead };
  });
}

/**
 * `todone clean` on a remote board: its task branches on the remote (and its integration branch
 * with `all`). Worktrees live on the workers; each sweeps its own.
 */
export async function cleanRemoteBranches(
  home: string,
  input: { git: BoardGitConfig; boardId: string; all?: boolean },
): Promise<string[]> {
  const local = await cloneFor(home, input.git, input.boardId);
  const clone = openGit(local.repo, author(local));
  const prefix = `refs/heads/${boardBranchPrefix(input.boardId)}`;
  const out = await clone.raw(['ls-remote', '--refs', ORIGIN, `${prefix}*`]);
  const deleted: string[] = [];
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (!sha || !ref?.startsWith(prefix)) continue;
    const branch = ref.slice('refs/heads/'.length);
    if (!input.all && branch === integrationBranch(input.boardId)) continue;
    if ((await pushRef(clone, branch, undefined, { expected: sha })) === 'pushed') deleted.push(branch);
  }
  return deleted;
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' ') || 'no message from git';
}
