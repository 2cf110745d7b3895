/**
 * The normalised board: what the CLI and client hand to the workflow after validation.
 * Every default is already applied and every duration is in milliseconds, so the workflow
 * never interprets user input.
 */

import type { BudgetSpec } from './usage.js';

export const TASK_TYPES = ['build', 'test', 'analyze', 'document', 'review', 'deploy', 'generic'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export interface RetrySpec {
  /** Total attempts including the first; 1 means no retry. */
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
}

/**
 * A variable the worker reads from its own environment when it starts the task's process: the
 * board, and so Temporal's history, holds only its name, never its value.
 */
export interface EnvReference {
  fromEnv: string;
}

/** A literal value (not a secret: it is stored in the history), or a reference resolved on the worker. */
export type EnvValue = string | EnvReference;

export function isEnvReference(value: EnvValue): value is EnvReference {
  return typeof value === 'object';
}

/**
 * `worktree`: the agent and its checks run under bubblewrap, the filesystem read-only but for the
 * task's folder, its scratch folder, a private /tmp, the board's shared and cache folders, the CLI's
 * own config folder and what the board declares `writable`. `none`: with the worker's full rights.
 */
export const SANDBOX_MODES = ['none', 'worktree'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];

/**
 * Where a confined task's network reaches. `false`: nowhere (a loopback of its own). `true`: the
 * host's network, its loopback services included. `{ allow }`: the default (absent): the outside
 * through Todone's filtering proxy, never the host's loopback, link-local or private addresses,
 * plus the `host[:port]` entries listed (see network-policy.ts).
 */
export type NetworkPolicy = boolean | { allow: string[] };

/**
 * How the task's processes are confined. On the agent, because the agent is what reaches the task
 * activity; the loader copies the board's or task's setting onto every agent of the task.
 */
export interface AgentConfinement {
  /** Absent (boards recorded before it existed): `none`. The loader always sets it. */
  sandbox?: SandboxMode;
  /** Absent: the default policy, the outside but not the host's own services (NetworkPolicy). */
  network?: NetworkPolicy;
  /** More folders a confined task may write (absolute, or `~/…` for the worker's home), checked at load. */
  writable?: string[];
  /** Variables taken by name from the worker's environment (a task starts from a minimal one). */
  passEnv?: string[];
}

export interface ShellAgentSpec extends AgentConfinement {
  kind: 'shell';
  /** A string is run by /bin/sh -c; an array is an argv run without a shell. */
  command: string | string[];
  env: Record<string, EnvValue>;
}

/** A coding-agent CLI run in its non-interactive mode (see activities/agents/). */
export interface CliAgentSpec extends AgentConfinement {
  kind: 'claude' | 'codex' | 'gemini' | 'aider';
  /** Model name passed to the CLI; its default when absent. */
  model?: string;
  /** Extra command-line arguments appended to the adapter's own. */
  args: string[];
  env: Record<string, EnvValue>;
  /**
   * The CLI's most permissive mode (every tool approved: gemini's yolo, codex with its sandbox
   * off, claude's bypassPermissions). Absent: only inside Todone's sandbox; false: never.
   */
  permissive?: boolean;
  /** The executable; default: the CLI's usual name on PATH. */
  bin?: string;
}

/** The placeholders a custom agent's argv template may use. */
export const CUSTOM_PLACEHOLDERS = ['prompt', 'promptFile', 'worktree', 'taskId', 'boardId', 'attempt'] as const;
export type CustomPlaceholder = (typeof CUSTOM_PLACEHOLDERS)[number];

/**
 * An argv template: `{prompt}`, `{promptFile}`, `{worktree}`, `{taskId}`, `{boardId}`, `{attempt}`
 * placeholders are replaced inside each argument (no shell).
 */
export interface CustomAgentSpec extends AgentConfinement {
  kind: 'custom';
  command: string[];
  env: Record<string, EnvValue>;
}

export type AgentSpec = ShellAgentSpec | CliAgentSpec | CustomAgentSpec;
export type AgentKind = AgentSpec['kind'];
export const AGENT_KINDS = [
  'shell',
  'claude',
  'codex',
  'gemini',
  'aider',
  'custom',
] as const satisfies readonly AgentKind[];

/** A command run by /bin/sh -c in the task's folder after its agent succeeds. */
export interface ValidateSpec {
  run: string;
  /** A failing optional command is recorded in the result without failing the attempt. */
  required: boolean;
}

export interface TaskSpec {
  id: string;
  description: string;
  type: TaskType;
  dependsOn: string[];
  agent: AgentSpec;
  /** Expected duration; drives priorities and the planner. */
  estimateMs: number;
  /** Tie-breaker after the critical path: higher runs first. */
  priority: number;
  retry: RetrySpec;
  /** Start-to-close limit of one attempt. */
  timeoutMs: number;
  /** How long a silent attempt may go before Temporal declares it lost (worker died). */
  heartbeatTimeoutMs: number;
  /** An agent that prints nothing for this long is taken for hung and killed (its attempt fails). */
  idleTimeoutMs?: number;
  /**
   * Checks run after the agent: the board's validators for the task's type first, then the task's
   * own. Optional only so boards recorded in older workflow histories still type-check; the loader
   * always fills it.
   */
  validate?: ValidateSpec[];
  /**
   * Best of N (git boards): `count` candidates run side by side in their own worktrees, each with
   * the next of `agents` (the task's agent when the list runs out), and `pick` keeps one result:
   * the first to pass its checks, the one that changed fewest lines, or the most common result.
   */
  candidates?: { count: number; agents: AgentSpec[]; pick: 'first' | 'smallest' | 'vote' };
  /**
   * Capabilities a worker must offer to run this task (`todone worker --capability gpu`), sorted;
   * absent or empty: any worker. See src/core/capabilities.ts for how it routes.
   */
  requires?: string[];
  /** This task's own cap on tokens and money, across all its attempts. */
  budget?: BudgetSpec;
  /**
   * Git boards: an attempt whose agent leaves the worktree unchanged fails ("the agent reported
   * success but changed nothing"). The loader always sets it; absent (older histories) means false.
   */
  expectChanges?: boolean;
  /**
   * No agent: the task combines its dependencies' outputs (TODONE_OUTPUT). `concat` joins lists,
   * `merge` deep-merges objects (conflicts reported), `vote` keeps the majority value (ties
   * reported), `reduce` runs a command that reads them as JSON on stdin and prints the result.
   */
  aggregate?: AggregateSpec;
  /** Waits for a person's approval (approval gates): after its work passed its checks, or before it starts. */
  approval?: ApprovalSpec;
  /**
   * A review: the tasks whose work it reads (diffs and outputs) and judges. `changes` sends them
   * back with its comment, at most `maxRounds` verdicts in all. The loader makes a review depend on
   * the tasks it reviews, and their dependents on the review, so nothing builds on unreviewed work.
   */
  reviews?: string[];
  /** With `reviews`: the verdicts it may give before it fails (default DEFAULT_REVIEW_ROUNDS). */
  maxRounds?: number;
  /**
   * Present when the task's result may come from the cache (`cache: true`): the same inputs give
   * the same result, so a task whose key is found is not run again (activities/cache/).
   */
  cache?: TaskCacheSpec;
}

/** What a cached task's key names besides its definition, agent and dependencies' outputs. */
export interface TaskCacheSpec {
  /**
   * Globs of its input files, relative to its folder: on a git board the start commit's tree is
   * narrowed to them (absent: the whole tree); on a plain board they are required.
   */
  inputs?: string[];
  /** Environment variables whose values the result depends on: hashed into the key, never stored. */
  env?: string[];
}

export type AggregateSpec = 'concat' | 'merge' | 'vote' | { reduce: string };

/** What an approval gate does when nobody decides before its deadline. */
export const APPROVAL_TIMEOUT_POLICIES = ['reject', 'approve', 'fail'] as const;
export type ApprovalTimeoutPolicy = (typeof APPROVAL_TIMEOUT_POLICIES)[number];

/**
 * A person's approval between a task and the board (`approval: required`). After its work passed
 * its checks and before it is integrated (or, with `before`, before the task starts at all), the
 * task waits in the state `awaiting-approval`; other tasks go on.
 */
export interface ApprovalSpec {
  /** Wait before the task starts instead of after its work is done (a risky deploy). */
  before: boolean;
  /** How long the gate waits for a decision (a durable timer); absent: as long as it takes. */
  timeoutMs?: number;
  /** What a gate whose deadline passes decides (only with `timeoutMs`). */
  onTimeout?: ApprovalTimeoutPolicy;
}

/** A review gives at most this many verdicts before it fails: the default of `maxRounds`. */
export const DEFAULT_REVIEW_ROUNDS = 2;
export const AGGREGATE_KINDS = ['concat', 'merge', 'vote', 'reduce'] as const;

/** Task types whose work is a change to files: `expectChanges` is on for them unless the board says otherwise. */
export const CHANGING_TASK_TYPES: readonly TaskType[] = ['build', 'test', 'document', 'generic'];

export type SchedulingPolicy = 'eager' | 'waves';

export type IntegrationStrategy = 'merge' | 'rebase' | 'squash';

export interface CommitAuthor {
  name: string;
  email: string;
}

/** What the git activities need to know about the board's repository. */
export interface BoardGitConfig {
  /** Absolute path of the user's repository (its main worktree); on a remote board, the remote's URL. */
  repo: string;
  /**
   * A board on a fleet: the URL of the repository every worker clones (under its own data folder)
   * and pushes task and integration branches to. Absent: `repo` is a folder on this machine.
   */
  remote?: string;
  /** Branch tasks start from and `land` fast-forwards; default: the repository's current branch (a remote's default branch). */
  base?: string;
  /** Folder holding this board's worktrees; outside the user's working tree. Empty on a remote board: each worker decides. */
  worktreeRoot: string;
  /** Pre-created worktrees reused across tasks. 0 disables the pool. */
  poolSize: number;
  /** Untracked paths `clean -fdx` must spare in a reused worktree (gitignore-style patterns). */
  keep: string[];
  /** Untracked files/folders from the main worktree copied into each task worktree (e.g. `.env`). */
  copy: string[];
  /** Untracked files/folders symlinked into each task worktree (e.g. `node_modules`). */
  link: string[];
  strategy: IntegrationStrategy;
  author?: CommitAuthor;
}

/** The board's git mode: the activities' config plus what the workflow decides with. */
export interface GitSpec extends BoardGitConfig {
  /** `retry` re-runs a conflicted task from the current integration head, telling it what conflicted. */
  onConflict: 'fail' | 'retry';
  /** Re-runs allowed per task after conflicts (onConflict: retry). */
  conflictRetries: number;
  /** Keep the worktrees of failed and conflicted tasks for inspection. */
  keepFailedWorktrees: boolean;
}

/**
 * What the board gives its tasks when they do not say otherwise, as the loader read it. A task
 * added while the board runs, in the board file's own shape, is normalised with these exactly as
 * the board's own tasks were. Absent on boards started by earlier versions of Todone.
 */
export interface BoardDefaults {
  /** The folder a task's relative paths (an agent's `bin`) start from, on the workers' machines: absolute. */
  baseDir: string;
  /** The board has a `repo` or a `remote`. */
  git: boolean;
  /** The board's `agent`, normalised, before a task's confinement is added. */
  agent?: AgentSpec;
  agents?: Partial<Record<TaskType, AgentSpec>>;
  validators?: Partial<Record<TaskType, ValidateSpec[]>>;
  retry?: Partial<RetrySpec>;
  timeoutMs?: number;
  heartbeatTimeoutMs?: number;
  idleTimeoutMs?: number;
  sandbox?: SandboxMode;
  network?: NetworkPolicy;
  writable?: string[];
  passEnv?: string[];
  requires?: string[] | Partial<Record<TaskType, string[]>>;
  expectChanges?: boolean | Partial<Record<TaskType, boolean>>;
  /** The board's `cache`, `inputs` and `cacheEnv` (board/cache-spec.ts reads them). */
  cache?: boolean | Partial<Record<TaskType, boolean>>;
  inputs?: string[];
  cacheEnv?: string[];
  /** The board's approval gate for every task, or per type; `false` where the board asked for none. */
  approval?: ApprovalSpec | false | Partial<Record<TaskType, ApprovalSpec | false>>;
}

/** What a board tells its webhooks about: each is posted when it happens. */
export const NOTIFY_EVENTS = [
  'board.finished',
  'task.failed',
  'task.awaiting-approval',
  'review.changes',
  'budget.exhausted',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/**
 * A webhook (`notify:`): a JSON body posted to `url` (Slack-compatible: its `text` field) by an
 * activity with retries, never blocking the board. The URL may be a secret of its own (a Slack
 * webhook's is): then it is a reference read on the worker, like the signing secret.
 */
export interface WebhookSpec {
  url: EnvValue;
  events: NotifyEvent[];
  /** Signs each body: HMAC-SHA256 in the X-Todone-Signature header. */
  secret?: EnvReference;
}

export interface BoardSpec {
  id: string;
  name: string;
  /** What the whole board is for: given to every agent in its prompt. */
  goal?: string;
  /**
   * The board's cap on tokens and money. Once spent, no new task or attempt starts; running ones
   * finish (`finish`) or are cancelled (`cancel`).
   */
  budget?: BudgetSpec & { onExhausted: 'finish' | 'cancel' };
  /** Absolute directory tasks run in. */
  workdir: string;
  maxParallel: number;
  policy: SchedulingPolicy;
  /** Present when the board names a repository: tasks then run in worktrees and are integrated. */
  git?: GitSpec;
  /** Tasks the board pauses before starting (once each): `todone resume` goes on. */
  breakpoints?: string[];
  tasks: TaskSpec[];
  /** What tasks added while it runs take from the board (the loader always sets it). */
  defaults?: BoardDefaults;
  /** Webhooks told about what happens on the board. */
  notify?: WebhookSpec[];
}

export const DEFAULTS = {
  maxParallel: 4,
  estimateMs: 60_000,
  priority: 0,
  timeoutMs: 60 * 60_000,
  heartbeatTimeoutMs: 30_000,
  retry: { maxAttempts: 3, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 60_000 },
} as const;

/** Ids become branch names, folder names and workflow ids; the rule lives with git's other rules. */
export { isSafeId } from './rules.js';

/** Turns a board name into an id when the board gives none ("My Board!" -> "my-board"). */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 100)
    .replace(/[-._]+$/g, '');
  return slug;
}
