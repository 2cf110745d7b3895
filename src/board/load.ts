/**
 * The edge where board input becomes a BoardSpec: from a file (the CLI) or an object (a client).
 * Every problem is collected and thrown once as an InvalidInputError, so the user fixes the file in
 * one pass; past this point nothing re-checks user input.
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BoardSpec, GitSpec, SchedulingPolicy, WebhookSpec } from '../core/board.js';
import { DEFAULTS, NOTIFY_EVENTS, slugify } from '../core/board.js';
import { withReviewWaits } from '../core/reviews.js';
import { remoteUrlProblem } from '../core/rules.js';
import { todoneHome } from '../data-dir.js';
import type { Issue } from '../errors.js';
import { InvalidInputError } from '../errors.js';
import { boardDefaults, buildTask } from './build-task.js';
import { checkSandbox } from './check-sandbox.js';
import type { BoardIssue } from './format.js';
import { describeValue, formatPath } from './format.js';
import type { Locate } from './parse.js';
import { parseBoardText, readBoardFile } from './parse.js';
import type { RawBoard } from './schema.js';
import { boardSchemas } from './schema.js';
import { besides, checkText } from './text-check.js';
import { checkBoard, isIgnoredField } from './validate.js';
import { fromZodError } from './zod-issues.js';

/** Command-line style overrides: they win over what the board says. */
export interface LoadOptions {
  policy?: SchedulingPolicy;
  maxParallel?: number;
  /** Todone's data folder: default parent of the board's worktrees. */
  home?: string;
}

export interface NormaliseOptions extends LoadOptions {
  /** Names the input in the error (a file path, "request", ...). */
  source: string;
  /** Folder a relative `workdir` is resolved against, and the default workdir. */
  baseDir: string;
  /** Adds "(line N)" to problems when the input came from a file. */
  locate?: Locate;
  /** Report a workdir that is missing or not a folder (only meaningful on the machine that runs tasks). */
  checkWorkdir?: boolean;
}

/**
 * Loads a board file (`.yaml`, `.yml`, `.json`, or a folder holding `board.yaml`). The workdir
 * defaults to the file's folder and must exist.
 */
export async function loadBoardFile(file: string, opts: LoadOptions = {}): Promise<BoardSpec> {
  const { absolute, display, text } = await readBoardFile(file);
  const parsed = parseBoardText(text, display);
  return normaliseBoard(parsed.value, {
    ...opts,
    source: display,
    baseDir: path.dirname(absolute),
    locate: parsed.locate,
    checkWorkdir: true,
  });
}

/**
 * Validates an in-memory board (the same shape as a board file) and applies every default.
 * Durations given as numbers are seconds, exactly as in a file.
 */
export function normaliseBoard(raw: unknown, opts: NormaliseOptions): BoardSpec {
  const issues: BoardIssue[] = [];
  const parsed = boardSchemas().boardSchema.safeParse(raw);
  if (!parsed.success) issues.push(...fromZodError(parsed.error, raw));
  issues.push(...checkBoard(raw));
  issues.push(...besides(issues, checkText(raw, isIgnoredField)));

  let board: BoardSpec | undefined;
  if (parsed.success) board = build(parsed.data, opts, issues);
  // Option problems are not in the file, so they get no line number.
  const all = [...toIssues(issues, opts.locate), ...toIssues(checkOptions(opts), undefined)];
  if (all.length > 0 || board === undefined) throw new InvalidInputError(opts.source, all);
  return board;
}

function build(raw: RawBoard, opts: NormaliseOptions, issues: BoardIssue[]): BoardSpec {
  const workdir = resolveWorkdir(raw.workdir, opts.baseDir);
  const resolvePath = (written: string) => resolveWorkdir(written, opts.baseDir);
  const defaults = boardDefaults(raw, path.resolve(opts.baseDir), resolvePath, issues);
  if (opts.checkWorkdir) {
    const problem = workdirProblem(workdir);
    if (problem) issues.push({ at: raw.workdir === undefined ? [] : ['workdir'], message: problem });
  }
  const id = raw.id ?? slugify(raw.name);
  const git =
    raw.remote !== undefined
      ? buildRemoteGit(raw, opts, issues)
      : raw.repo === undefined
        ? undefined
        : buildGit(raw, id, opts, issues);
  const tasks = withReviewWaits(raw.tasks.map((task, i) => buildTask(task, i, { defaults, resolvePath, issues })));
  const boardWorkdir = git && !git.remote ? git.repo : workdir;
  checkSandbox(raw, { workdir: boardWorkdir, ...(git ? { git } : {}), tasks }, opts, issues);
  return {
    id,
    name: raw.name.trim(),
    ...(raw.goal?.trim() ? { goal: raw.goal.trim() } : {}),
    workdir: boardWorkdir,
    maxParallel: opts.maxParallel ?? raw.maxParallel ?? DEFAULTS.maxParallel,
    policy: opts.policy ?? raw.policy ?? 'eager',
    ...(git ? { git } : {}),
    ...(raw.budget ? { budget: { ...raw.budget, onExhausted: raw.budget.onExhausted ?? 'finish' } } : {}),
    ...(raw.breakpoints?.length ? { breakpoints: [...new Set(raw.breakpoints)] } : {}),
    tasks,
    defaults,
    ...(raw.notify?.length ? { notify: raw.notify.map(buildWebhook) } : {}),
  };
}

/** A webhook hears every event unless it names some. */
function buildWebhook(raw: NonNullable<RawBoard['notify']>[number]): WebhookSpec {
  return {
    url: raw.url,
    events: raw.events ? [...new Set(raw.events)] : [...NOTIFY_EVENTS],
    ...(raw.secret ? { secret: raw.secret } : {}),
  };
}

function buildGit(raw: RawBoard, boardId: string, opts: NormaliseOptions, issues: BoardIssue[]): GitSpec {
  const repo = resolveWorkdir(raw.repo, opts.baseDir);
  if (opts.checkWorkdir && !existsSync(path.join(repo, '.git'))) {
    issues.push({ at: ['repo'], message: `not a git repository (no .git in ${repo})` });
  }
  const home = opts.home ?? todoneHome();
  const worktreeRoot = raw.worktrees?.root
    ? resolveWorkdir(raw.worktrees.root, opts.baseDir)
    : path.join(home, 'worktrees', boardId);
  const relative = path.relative(repo, worktreeRoot);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) {
    issues.push({
      at: ['worktrees', 'root'],
      message: `must be outside the repository (${worktreeRoot} is inside ${repo})`,
    });
  }
  const w = raw.worktrees;
  const i = raw.integration;
  return {
    repo,
    ...(raw.base ? { base: raw.base } : {}),
    worktreeRoot,
    poolSize: w?.pool ?? 0,
    keep: w?.keep ?? [],
    copy: w?.copy ?? [],
    link: w?.link ?? [],
    strategy: i?.strategy ?? 'merge',
    ...(i?.author ? { author: i.author } : {}),
    onConflict: i?.onConflict ?? 'fail',
    conflictRetries: i?.conflictRetries ?? 1,
    keepFailedWorktrees: w?.keepFailed ?? true,
  };
}

/**
 * A board on a fleet: the workers clone `remote` and keep the worktrees under their own data
 * folders, so nothing here names a folder on this machine. A remote written as a relative path
 * is a bare repository beside the board file.
 */
function buildRemoteGit(raw: RawBoard, opts: NormaliseOptions, issues: BoardIssue[]): GitSpec {
  const given = raw.remote!;
  const url = given.includes(':') || path.isAbsolute(given) ? given : path.resolve(opts.baseDir, given);
  const problem = remoteUrlProblem(url);
  if (problem) issues.push({ at: ['remote'], message: problem });
  if (raw.repo !== undefined)
    issues.push({
      at: ['repo'],
      message: 'give repo (a repository on this machine) or remote (a URL every worker clones), not both',
    });
  if (raw.worktrees?.root !== undefined) {
    issues.push({
      at: ['worktrees', 'root'],
      message: "a board with a remote keeps its worktrees under each worker's data folder: remove root",
    });
  }
  for (const field of ['copy', 'link'] as const) {
    if (raw.worktrees?.[field]?.length) {
      issues.push({
        at: ['worktrees', field],
        message: `${field} takes files from a checkout on this machine, and the workers of a board with a remote have none: remove it`,
      });
    }
  }
  const i = raw.integration;
  return {
    repo: url,
    remote: url,
    ...(raw.base ? { base: raw.base } : {}),
    worktreeRoot: '',
    poolSize: raw.worktrees?.pool ?? 0,
    keep: raw.worktrees?.keep ?? [],
    copy: [],
    link: [],
    strategy: i?.strategy ?? 'merge',
    ...(i?.author ? { author: i.author } : {}),
    onConflict: i?.onConflict ?? 'fail',
    conflictRetries: i?.conflictRetries ?? 1,
    keepFailedWorktrees: raw.worktrees?.keepFailed ?? true,
  };
}

function resolveWorkdir(workdir: string | undefined, baseDir: string): string {
  if (workdir === undefined) return path.resolve(baseDir);
  const expanded = workdir === '~' || workdir.startsWith('~/') ? path.join(os.homedir(), workdir.slice(1)) : workdir;
  return path.resolve(baseDir, expanded);
}

function workdirProblem(workdir: string): string | undefined {
  const info = statSync(workdir, { throwIfNoEntry: false });
  if (info === undefined) return `workdir not found: ${workdir}`;
  return info.isDirectory() ? undefined : `workdir is not a folder: ${workdir}`;
}

function checkOptions(opts: LoadOptions): BoardIssue[] {
  const issues: BoardIssue[] = [];
  const { maxParallel, policy } = opts;
  if (maxParallel !== undefined && !(Number.isInteger(maxParallel) && maxParallel > 0)) {
    issues.push({
      at: ['maxParallel'],
      message: `expected a positive integer, got ${describeValue(maxParallel)} (from the options)`,
    });
  }
  if (policy !== undefined && policy !== 'eager' && policy !== 'waves') {
    issues.push({
      at: ['policy'],
      message: `expected one of "eager", "waves", got ${describeValue(policy)} (from the options)`,
    });
  }
  return issues;
}

/** With a source to point at, problems are listed in file order so the user can fix them top to bottom. */
function toIssues(issues: readonly BoardIssue[], locate: Locate | undefined): Issue[] {
  const seen = new Set<string>();
  const located: { line: number; issue: Issue }[] = [];
  for (const issue of issues) {
    const position = locate?.(issue.at);
    const entry = {
      path: formatPath(issue.at),
      message: position ? `${issue.message} (line ${position.line})` : issue.message,
    };
    const key = `${entry.path}\n${entry.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    located.push({ line: position?.line ?? 0, issue: entry });
  }
  return located.sort((a, b) => a.line - b.line).map((l) => l.issue);
}
