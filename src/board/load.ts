/**
 * The edge where board input becomes a BoardSpec: from a file (the CLI) or an object (a client).
 * Every problem is collected and thrown once as an InvalidInputError, so the user fixes the file in
 * one pass; past this point nothing re-checks user input.
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  AgentConfinement,
  AgentSpec,
  BoardSpec,
  GitSpec,
  RetrySpec,
  SchedulingPolicy,
  TaskSpec,
  TaskType,
  ValidateSpec,
} from '../core/board.js';
import { CHANGING_TASK_TYPES, DEFAULTS, slugify } from '../core/board.js';
import { normaliseCapabilities } from '../core/capabilities.js';
import { formatDuration } from '../core/duration.js';
import { remoteUrlProblem } from '../core/rules.js';
import { todoneHome } from '../data-dir.js';
import type { Issue } from '../errors.js';
import { InvalidInputError } from '../errors.js';
import type { BoardIssue, PathSegment } from './format.js';
import { describeValue, formatPath } from './format.js';
import type { Locate } from './parse.js';
import { parseBoardText, readBoardFile } from './parse.js';
import type { RawAgent, RawBoard, RawRetry, RawTask, RawValidateEntry } from './schema.js';
import { boardSchema } from './schema.js';
import { checkBoard } from './validate.js';
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
  const parsed = boardSchema.safeParse(raw);
  if (!parsed.success) issues.push(...fromZodError(parsed.error, raw));
  issues.push(...checkBoard(raw));

  let board: BoardSpec | undefined;
  if (parsed.success) board = build(parsed.data, opts, issues);
  // Option problems are not in the file, so they get no line number.
  const all = [...toIssues(issues, opts.locate), ...toIssues(checkOptions(opts), undefined)];
  if (all.length > 0 || board === undefined) throw new InvalidInputError(opts.source, all);
  return board;
}

function build(raw: RawBoard, opts: NormaliseOptions, issues: BoardIssue[]): BoardSpec {
  const workdir = resolveWorkdir(raw.workdir, opts.baseDir);
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
  return {
    id,
    name: raw.name.trim(),
    ...(raw.goal?.trim() ? { goal: raw.goal.trim() } : {}),
    workdir: git && !git.remote ? git.repo : workdir,
    maxParallel: opts.maxParallel ?? raw.maxParallel ?? DEFAULTS.maxParallel,
    policy: opts.policy ?? raw.policy ?? 'eager',
    ...(git ? { git } : {}),
    ...(raw.budget ? { budget: { ...raw.budget, onExhausted: raw.budget.onExhausted ?? 'finish' } } : {}),
    ...(raw.breakpoints?.length ? { breakpoints: [...new Set(raw.breakpoints)] } : {}),
    tasks: raw.tasks.map((task, i) => buildTask(task, i, raw, opts.baseDir, issues)),
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

function isGitBoard(raw: RawBoard): boolean {
  return raw.repo !== undefined || raw.remote !== undefined;
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

function buildTask(task: RawTask, index: number, board: RawBoard, baseDir: string, issues: BoardIssue[]): TaskSpec {
  if (task.aggregate !== undefined) return buildAggregateTask(task, index, board, issues);
  const type = task.type ?? 'generic';
  // The task's own agent, then the board's agent for its type, then the board's default.
  const agent = task.agent ?? board.agents?.[type] ?? board.agent;
  const confinement = buildConfinement(task, index, board, issues);
  return {
    id: task.id,
    description: task.description ?? '',
    type,
    dependsOn: [...new Set(task.dependsOn ?? [])],
    // A missing agent was already reported by checkBoard; the placeholder never leaves this module.
    agent: agent ? buildAgent(agent, baseDir, confinement) : placeholderAgent(),
    estimateMs: task.estimate ?? DEFAULTS.estimateMs,
    priority: task.priority ?? DEFAULTS.priority,
    retry: buildRetry(task.retry, board.retry, ['tasks', index, 'retry'], issues),
    timeoutMs: task.timeout ?? board.timeout ?? DEFAULTS.timeoutMs,
    heartbeatTimeoutMs: task.heartbeatTimeout ?? board.heartbeatTimeout ?? DEFAULTS.heartbeatTimeoutMs,
    ...((task.idleTimeout ?? board.idleTimeout) !== undefined
      ? { idleTimeoutMs: (task.idleTimeout ?? board.idleTimeout)! }
      : {}),
    validate: [...(board.validators?.[type] ?? []), ...(task.validate ?? [])].map(buildValidate),
    ...(task.budget ? { budget: task.budget } : {}),
    ...buildCandidates(task, index, board, baseDir, confinement, issues),
    ...requires(task, type, board),
    // Only a git board can tell what a task changed.
    ...(isGitBoard(board) ? { expectChanges: expectChanges(task, type, board) } : {}),
  };
}

/**
 * A task that combines its dependencies' outputs: no agent of its own, nothing to change in a
 * worktree. A `reduce` command runs like a shell task (supervised, logged, retried), the others
 * are computed by the workflow itself.
 */
function buildAggregateTask(task: RawTask, index: number, board: RawBoard, issues: BoardIssue[]): TaskSpec {
  const aggregate = task.aggregate!;
  const command = typeof aggregate === 'object' ? aggregate.reduce : 'true';
  return {
    id: task.id,
    description: task.description ?? '',
    type: task.type ?? 'analyze',
    dependsOn: [...new Set(task.dependsOn ?? [])],
    agent: { kind: 'shell', command, env: {} },
    estimateMs: task.estimate ?? (typeof aggregate === 'object' ? DEFAULTS.estimateMs : 0),
    priority: task.priority ?? DEFAULTS.priority,
    retry: buildRetry(task.retry, board.retry, ['tasks', index, 'retry'], issues),
    timeoutMs: task.timeout ?? board.timeout ?? DEFAULTS.timeoutMs,
    heartbeatTimeoutMs: task.heartbeatTimeout ?? board.heartbeatTimeout ?? DEFAULTS.heartbeatTimeoutMs,
    validate: [],
    aggregate: typeof aggregate === 'object' ? { reduce: aggregate.reduce } : aggregate,
    // Only a reduce command runs on a worker; concat, merge and vote are computed by the workflow.
    ...(typeof aggregate === 'object' ? requires(task, task.type ?? 'analyze', board) : {}),
    ...(isGitBoard(board) ? { expectChanges: false } : {}),
  };
}

/** The task's own setting, then the board's for its type, then the board's for all, then the type's default. */
function expectChanges(task: RawTask, type: TaskType, board: RawBoard): boolean {
  const boardSetting = board.expectChanges;
  const forType = typeof boardSetting === 'object' ? boardSetting[type] : boardSetting;
  return task.expectChanges ?? forType ?? CHANGING_TASK_TYPES.includes(type);
}

/**
 * The task's own list replaces the board's (so `requires: []` lets one task run anywhere), then the
 * board's for its type, then the board's for all. Sorted and without repeats, so one set always
 * names one queue; absent when empty, so a plain task's activity options stay what they were.
 */
function requires(task: RawTask, type: TaskType, board: RawBoard): Pick<TaskSpec, 'requires'> {
  const boardSetting = board.requires;
  const forType = boardSetting === undefined || Array.isArray(boardSetting) ? boardSetting : boardSetting[type];
  const names = normaliseCapabilities(task.requires ?? forType ?? []);
  return names.length > 0 ? { requires: names } : {};
}

/** Best of N: several agents try the task side by side in their own worktrees; one result is kept. */
function buildCandidates(
  task: RawTask,
  index: number,
  board: RawBoard,
  baseDir: string,
  confinement: AgentConfinement,
  issues: BoardIssue[],
): Pick<TaskSpec, 'candidates'> {
  const given = task.attempts;
  if (!given) return {};
  const count = given.count ?? given.agents?.length ?? 0;
  if (count < 2) {
    issues.push({
      at: ['tasks', index, 'attempts'],
      message: 'best of N needs at least 2 candidates (a count, or a list of agents)',
    });
    return {};
  }
  if (!isGitBoard(board)) {
    issues.push({
      at: ['tasks', index, 'attempts'],
      message: 'best of N runs candidates in separate worktrees: the board needs a repo or a remote',
    });
    return {};
  }
  return {
    candidates: {
      count,
      agents: (given.agents ?? []).map((a) => buildAgent(a, baseDir, confinement)),
      pick: given.pick ?? 'first',
    },
  };
}

/**
 * The task's setting, then the board's; confined by default, so an agent cannot write outside its
 * folder unless the board says `sandbox: none`.
 */
function buildConfinement(task: RawTask, index: number, board: RawBoard, issues: BoardIssue[]): AgentConfinement {
  const sandbox = task.sandbox ?? board.sandbox ?? 'worktree';
  const network = task.network ?? board.network ?? true;
  if (!network && sandbox === 'none') {
    const at = task.network !== undefined ? ['tasks', index, 'network'] : ['network'];
    issues.push({
      at,
      message: 'network: false needs sandbox: worktree (only a confined task can have its network cut)',
    });
  }
  return { sandbox, ...(network ? {} : { network: false }) };
}

function buildAgent(agent: RawAgent, baseDir: string, confinement: AgentConfinement): AgentSpec {
  // References stay references: their values are read on the worker, never stored in the board.
  const env = { ...agent.env };
  switch (agent.kind) {
    case 'shell':
      return { kind: 'shell', command: agent.command, env, ...confinement };
    case 'custom':
      return { kind: 'custom', command: [...agent.command], env, ...confinement };
    default:
      return {
        kind: agent.kind,
        ...(agent.model ? { model: agent.model } : {}),
        args: [...(agent.args ?? [])],
        env,
        // A path is the user's, relative to the board file; a bare name is looked up on PATH where the agent runs.
        ...(agent.bin ? { bin: agent.bin.includes('/') ? resolveWorkdir(agent.bin, baseDir) : agent.bin } : {}),
        ...(agent.permissive !== undefined ? { permissive: agent.permissive } : {}),
        ...confinement,
      };
  }
}

function buildValidate(entry: RawValidateEntry): ValidateSpec {
  return { run: entry.run, required: entry.required ?? true };
}

function placeholderAgent(): AgentSpec {
  return { kind: 'shell', command: [], env: {} };
}

/** Each retry field falls back on its own: a task can raise maxAttempts and keep the board's intervals. */
function buildRetry(
  task: RawRetry | undefined,
  board: RawRetry | undefined,
  taskPath: PathSegment[],
  issues: BoardIssue[],
): RetrySpec {
  const initialIntervalMs = task?.initialInterval ?? board?.initialInterval ?? DEFAULTS.retry.initialIntervalMs;
  const givenMax = task?.maxInterval ?? board?.maxInterval;
  // Temporal rejects maxInterval < initialInterval; an unset maximum simply stretches to fit.
  const maxIntervalMs = givenMax ?? Math.max(DEFAULTS.retry.maxIntervalMs, initialIntervalMs);
  if (givenMax !== undefined && givenMax < initialIntervalMs) {
    const at = task?.maxInterval !== undefined ? [...taskPath, 'maxInterval'] : ['retry', 'maxInterval'];
    issues.push({
      at,
      message: `maxInterval (${formatDuration(givenMax)}) must not be shorter than initialInterval (${formatDuration(initialIntervalMs)})`,
    });
  }
  return {
    maxAttempts: task?.maxAttempts ?? board?.maxAttempts ?? DEFAULTS.retry.maxAttempts,
    initialIntervalMs,
    backoffCoefficient: task?.backoffCoefficient ?? board?.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
    maxIntervalMs,
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
