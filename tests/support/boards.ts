/**
 * Builds normalised boards for tests, with shell tasks that leave evidence on disk. Their tasks
 * run confined, as the loader makes every board's (`sandbox: worktree`): they write their own
 * folder and scratch folder and read the board's repository, and /tmp is theirs alone, so a task
 * that must reach a file of the test keeps it in one of those (or the test says `sandbox: 'none'`
 * and why).
 */
import { taskPlaces } from '../../activities/sandbox/task-places.js';
import {
  DEFAULTS,
  type AgentSpec,
  type BoardSpec,
  type GitSpec,
  type SandboxMode,
  type TaskSpec,
} from '../../src/core/board.js';

export interface TestTask {
  id: string;
  dependsOn?: string[];
  command?: string | string[];
  estimateMs?: number;
  priority?: number;
  retry?: Partial<TaskSpec['retry']>;
  timeoutMs?: number;
  heartbeatTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Default `worktree`, as the loader's: `none` only for a test about an unconfined task's processes. */
  sandbox?: SandboxMode;
}

/**
 * The task's scratch folder, as a shell word: the one folder of the worker's data a confined task
 * may write, kept across its attempts and conflict rounds, so a task records there what the test
 * reads back (taskScratch).
 */
export const TASK_FOLDER = '"$(dirname "$TODONE_OUTPUT")"';

/** Where TASK_FOLDER is on the worker whose data folder is `home`. */
export function taskScratch(home: string, boardId: string, taskId: string): string {
  return taskPlaces(home, boardId, taskId).scratch;
}

/** A shell agent as the loader makes one: confined unless told otherwise. */
export function shellAgent(command: string | string[], sandbox: SandboxMode = 'worktree'): AgentSpec {
  return { kind: 'shell', command, env: {}, sandbox };
}

/**
 * A command that records when it ran, in ms since the epoch, into `<id>.start` / `<id>.end`
 * in the board's workdir, and appends to `<id>.runs` so repeated executions are counted.
 */
export function timedCommand(seconds: number): string {
  return [
    'date +%s%3N > "$TODONE_TASK_ID.start"',
    'echo run >> "$TODONE_TASK_ID.runs"',
    `sleep ${seconds}`,
    'date +%s%3N > "$TODONE_TASK_ID.end"',
  ].join('; ');
}

export function makeBoard(
  id: string,
  workdir: string,
  tasks: TestTask[],
  overrides: Partial<BoardSpec> = {},
): BoardSpec {
  return {
    id,
    name: id,
    workdir,
    maxParallel: 4,
    policy: 'eager',
    ...overrides,
    tasks: tasks.map(makeTask),
  };
}

/** One normalised task, as makeBoard makes each of its tasks. */
export function makeTask(task: TestTask): TaskSpec {
  return {
    id: task.id,
    description: `test task ${task.id}`,
    type: 'generic',
    dependsOn: task.dependsOn ?? [],
    agent: shellAgent(task.command ?? timedCommand(0.2), task.sandbox),
    estimateMs: task.estimateMs ?? 1_000,
    priority: task.priority ?? 0,
    retry: { ...DEFAULTS.retry, initialIntervalMs: 100, ...task.retry },
    timeoutMs: task.timeoutMs ?? 60_000,
    heartbeatTimeoutMs: task.heartbeatTimeoutMs ?? 10_000,
    ...(task.idleTimeoutMs ? { idleTimeoutMs: task.idleTimeoutMs } : {}),
  };
}

/**
 * A shell line that waits until the board's integration branch holds `text` in `file`: how a git
 * task lets another task be merged first instead of sleeping and hoping. It reads the branch
 * from the task's own worktree (every worktree of a clone shares its refs), so it works inside the
 * sandbox and on a remote board's clone alike.
 */
export function untilIntegrated(file: string, text: string): string {
  return `until git show "todone/$TODONE_BOARD_ID/integration:${file}" 2>/dev/null | grep -q '${text}'; do sleep 0.05; done`;
}

/** A git board's settings as the loader would give them for `repo:` with no other options. */
export function gitSpec(repo: string, worktreeRoot: string, overrides: Partial<GitSpec> = {}): GitSpec {
  return {
    repo,
    worktreeRoot,
    poolSize: 0,
    keep: [],
    copy: [],
    link: [],
    strategy: 'merge',
    onConflict: 'fail',
    conflictRetries: 1,
    keepFailedWorktrees: true,
    ...overrides,
  };
}
