/**
 * Every git command Todone runs goes through here: simple-git with argument arrays (never a shell),
 * one instance per command so its exit code and stderr can be read exactly, and an environment in
 * which the user's hooks, pager, editor, signing and terminal prompts never run.
 *
 * `api` runs simple-git's typed calls (revparse, checkout, add, diff, reset, clean) where they
 * produce the very command and flags we need. `raw` is for what simple-git has no call for, or
 * whose call would change the command: worktree, update-ref (with --stdin), symbolic-ref,
 * for-each-ref, rev-list, ls-files, merge-base, cherry-pick, merge and `branch` (its call adds
 * `-v`); `commit`, whose call passes the message with `-m` where ours comes on stdin
 * (`--file=-`); `status` and `log`, whose calls impose their own format and parser where ours
 * read `--porcelain=v2 -z` and `--format=%B`. `run` is `raw` for commands whose non-zero exit is an
 * answer (a merge that conflicted, a ref that is not there), read from the exit code.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleGit, type SimpleGit } from 'simple-git';
import { isFullSha } from '../../src/core/rules.js';
import { GitCommandError } from './errors.js';
import type { CommitAuthor } from './types.js';

export const DEFAULT_AUTHOR: CommitAuthor = { name: 'Todone', email: 'todone@localhost' };

/**
 * `-c` settings on every command. They outrank the user's repository and global config, so a hook,
 * a signing key that needs a passphrase or a `log.showSignature` that garbles parsed output cannot
 * get in the way; rerere off so a recorded resolution never silently resolves a conflict for us.
 */
const HARDENING = [
  'core.hooksPath=/dev/null',
  'core.editor=true',
  'sequence.editor=true',
  'core.pager=cat',
  'core.fsmonitor=false',
  'core.quotePath=false',
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'merge.verifySignatures=false',
  'log.showSignature=false',
  'rerere.enabled=false',
  'color.ui=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'advice.detachedHead=false',
];

/** Variables simple-git's guard rejects when passed explicitly; the ambient GIT_* ones it strips anyway. */
const DROPPED_ENV = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS']);

const OUR_ENV = {
  GIT_TERMINAL_PROMPT: '0',
  // Read-only commands (status, diff) must never rewrite an index, least of all the user's.
  GIT_OPTIONAL_LOCKS: '0',
  // Messages we parse (and quote in errors) stay in one language.
  LC_ALL: 'C',
  LANGUAGE: 'C',
};

export interface GitResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Exit codes that are answers rather than failures (e.g. 1 from a merge that conflicted). */
  ok?: readonly number[];
  /** Written to the command's stdin: how free text (commit messages) reaches git. */
  input?: string;
}

export interface Git {
  readonly dir: string;
  readonly author: CommitAuthor;
  /** stdout of a command that must succeed. */
  raw(args: readonly string[], options?: { input?: string }): Promise<string>;
  /**
   * A typed simple-git call on an instance with the same settings; like `raw`, a non-zero exit
   * (which simple-git lets pass when git printed nothing on stderr) throws a GitCommandError.
   */
  api<T>(call: (git: SimpleGit) => Promise<T>): Promise<T>;
  run(args: readonly string[], options?: RunOptions): Promise<GitResult>;
  /** The same settings in another folder (a worktree of the same repository). */
  at(dir: string): Git;
}

export function openGit(dir: string, options: { author?: CommitAuthor } = {}): Git {
  const author = options.author ?? DEFAULT_AUTHOR;
  /** Runs `call` on a fresh hardened instance; `result` is what git answered, whatever simple-git made of it. */
  const execute = async <T>(call: (git: SimpleGit) => Promise<T>, input: string | undefined, ok: readonly number[]) => {
    let result: GitResult | undefined;
    let spawned: readonly string[] = [];
    const git = simpleGit({
      baseDir: dir,
      // The committer (and author) is always set, so commits work with no git identity configured.
      config: [...HARDENING, `user.name=${author.name}`, `user.email=${author.email}`],
      unsafe: {
        allowUnsafeHooksPath: true,
        allowUnsafeEditor: true,
        allowUnsafePager: true,
        allowUnsafeFsMonitor: true,
      },
      allowEnvironment: Object.keys(OUR_ENV).filter((k) => k.startsWith('GIT_')),
      errors: (error, r) => {
        result = {
          exitCode: r.exitCode,
          stdout: Buffer.concat(r.stdOut).toString('utf8'),
          stderr: Buffer.concat(r.stdErr).toString('utf8'),
        };
        return error;
      },
      ...(input !== undefined ? { input: () => input } : {}),
    })
      .env(gitEnv())
      .outputHandler((_command, _stdout, _stderr, args) => (spawned = withoutConfig(args)));
    const t0 = performance.now();
    let value: T | undefined;
    try {
      value = await call(git);
    } catch (error) {
      // No result means git never ran (missing binary, a guard refused the arguments); exit 0 means
      // simple-git could not read a successful answer: either way not git's failure to report.
      if (!result || result.exitCode === 0) throw error;
    }
    // A debugging aid: which commands a step runs and what each costs (free text never is an argument).
    if (process.env.TODONE_GIT_TRACE)
      process.stderr.write(`todone git ${Math.round(performance.now() - t0)}ms ${spawned.slice(0, 3).join(' ')}\n`);
    if (!result) throw new Error(`git ${spawned[0] ?? ''} produced no result`);
    if (result.exitCode !== 0 && !ok.includes(result.exitCode)) {
      throw new GitCommandError(spawned, result.exitCode, result.stderr || result.stdout, dir);
    }
    return { result, value };
  };
  const run = async (args: readonly string[], runOptions: RunOptions = {}): Promise<GitResult> =>
    (await execute((git) => git.raw([...args]), runOptions.input, runOptions.ok ?? [])).result;
  return {
    dir,
    author,
    run,
    raw: async (args, rawOptions) =>
      (await run(args, rawOptions?.input !== undefined ? { input: rawOptions.input } : {})).stdout,
    api: async (call) => (await execute(call, undefined, [])).value!,
    at: (other) => openGit(other, { author }),
  };
}

/** The command as we asked for it: simple-git puts our `-c` settings in front. */
function withoutConfig(args: readonly string[]): string[] {
  let i = 0;
  while (args[i] === '-c') i += 2;
  return args.slice(i);
}

function gitEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const upper = key.toUpperCase();
    if (upper.startsWith('GIT_') || DROPPED_ENV.has(upper)) continue;
    env[key] = value;
  }
  return { ...env, ...OUR_ENV };
}

/** `rev-parse` of something that must exist, as a full SHA. */
export async function revParse(git: Git, rev: string): Promise<string> {
  return git.api((g) => g.revparse(['--verify', rev]));
}

/** The commit `rev` names, or undefined when there is none. */
export async function tryRevParse(git: Git, rev: string): Promise<string | undefined> {
  // Without -q so that a miss prints (to stderr): simple-git waits 50 ms after a silent command.
  return git
    .api((g) => g.revparse(['--verify', `${rev}^{commit}`]))
    .catch((error: unknown) => {
      if (error instanceof GitCommandError && (error.status === 1 || error.status === 128)) return undefined;
      throw error;
    });
}

export async function branchSha(git: Git, branch: string): Promise<string | undefined> {
  return tryRevParse(git, `refs/heads/${branch}`);
}

/** Whether `ancestor` is reachable from `descendant` (equal counts). */
export async function isAncestor(git: Git, ancestor: string, descendant: string): Promise<boolean> {
  // `merge-base A B` prints; `--is-ancestor` is silent, and silent commands cost simple-git 50 ms each.
  const r = await git.run(['merge-base', ancestor, descendant], { ok: [1] });
  if (r.exitCode !== 0) return false;
  const full = isFullSha(ancestor) ? ancestor : await revParse(git, `${ancestor}^{commit}`);
  return r.stdout.trim() === full;
}

/** The git dir of the worktree at `git.dir` (its private one for a linked worktree). */
export async function gitDirOf(git: Git): Promise<string> {
  return path.resolve(git.dir, await git.api((g) => g.revparse(['--git-dir'])));
}

export async function commonDirOf(git: Git): Promise<string> {
  return path.resolve(git.dir, await git.api((g) => g.revparse(['--git-common-dir'])));
}

export interface StaleLockOptions {
  /** An index.lock this old is taken as left by a dead git; younger ones are waited for. */
  staleAfterMs?: number;
}

/**
 * Removes an `index.lock` that no git process will ever release (a git killed mid-command). A live
 * git holds it for well under a second, so a lock that survives `staleAfterMs` of waiting is dead.
 * Only for Todone's own worktrees, and only while holding the repository lock, so none of our own
 * git commands can be the holder.
 */
export async function clearStaleIndexLock(git: Git, options: StaleLockOptions = {}): Promise<boolean> {
  const lock = path.join(await gitDirOf(git), 'index.lock');
  const staleAfterMs = options.staleAfterMs ?? 3_000;
  for (;;) {
    let mtimeMs: number;
    try {
      mtimeMs = (await fs.stat(lock)).mtimeMs;
    } catch {
      return false;
    }
    if (Date.now() - mtimeMs >= staleAfterMs) {
      await fs.rm(lock, { force: true });
      return true;
    }
    await sleep(100);
  }
}

/** Whether a merge, cherry-pick, revert or rebase is half done in the worktree at `git.dir`. */
export async function operationInProgress(git: Git): Promise<string | undefined> {
  const dir = await gitDirOf(git);
  for (const [file, what] of [
    ['MERGE_HEAD', 'a merge'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase or am'],
    ['sequencer', 'a cherry-pick or revert sequence'],
  ] as const) {
    try {
      await fs.lstat(path.join(dir, file));
      return what;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * Ends whatever operation a crash (or an agent) left half done, without keeping any of it: the
 * caller resets the worktree to the commit it wants next. Each step tolerates "nothing to abort".
 */
export async function abandonOperations(git: Git): Promise<void> {
  const dir = await gitDirOf(git);
  const has = async (name: string) =>
    fs.lstat(path.join(dir, name)).then(
      () => true,
      () => false,
    );
  if ((await has('rebase-merge')) || (await has('rebase-apply'))) {
    await git.run(['rebase', '--quit'], { ok: [1, 128] });
    await fs.rm(path.join(dir, 'rebase-merge'), { recursive: true, force: true });
    await fs.rm(path.join(dir, 'rebase-apply'), { recursive: true, force: true });
  }
  if (await has('sequencer')) {
    await git.run(['cherry-pick', '--quit'], { ok: [1, 128] });
    await fs.rm(path.join(dir, 'sequencer'), { recursive: true, force: true });
  }
  if (await has('MERGE_HEAD')) await git.run(['merge', '--abort'], { ok: [1, 128] });
  // What is left (CHERRY_PICK_HEAD, SQUASH_MSG, a conflicted index) goes with the caller's `reset --hard`.
}

export interface WorktreeStatus {
  /** Branch name, or undefined when HEAD is detached. */
  branch?: string;
  /** Tracked files that differ from HEAD (staged or not), including unmerged ones. */
  changed: number;
  /** Untracked or ignored files and folders: what `clean -ffdx` would look at. */
  untracked: number;
}

/**
 * One `status` answering "is this worktree exactly HEAD?". `--branch` makes git always print
 * something, which matters: simple-git waits 50 ms after any command that printed nothing.
 */
export async function worktreeStatus(git: Git): Promise<WorktreeStatus> {
  const out = await git.raw([
    'status',
    '--porcelain=v2',
    '--branch',
    '--ignored=traditional',
    '--untracked-files=normal',
    '-z',
  ]);
  const status: WorktreeStatus = { changed: 0, untracked: 0 };
  for (const record of out.split('\0')) {
    if (record.startsWith('# branch.head ')) {
      const name = record.slice('# branch.head '.length);
      if (name !== '(detached)') status.branch = name;
    } else if (record.startsWith('?') || record.startsWith('!')) status.untracked++;
    else if (/^[12u] /.test(record)) status.changed++;
  }
  return status;
}
