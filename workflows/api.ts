/**
 * The board workflow's public contract: its type name, default task queue, input and result, and
 * the queries, signals and updates it answers. Clients (the CLI, `BoardClient`, other services)
 * import this module and nothing else of the workflow; it stands alone: `@temporalio/workflow`'s
 * definition helpers (safe to import from client code) and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IntegrationInfo } from '../activities/git/types.js';
import type { WrittenTask } from '../src/board/schema.js';
import type { BoardSpec, TaskSpec } from '../src/core/board.js';
import type {
  BoardChange,
  BoardState,
  BoardStatus,
  NotificationRecord,
  ResumedFrom,
  StatusRequest,
  TaskState,
  TaskStatus,
} from '../src/core/run-state.js';

export type { WrittenTask } from '../src/board/schema.js';
export type { BoardSpec, TaskSpec } from '../src/core/board.js';
export type {
  ApprovalWait,
  BoardChange,
  BoardResult,
  BoardStatus,
  NotificationRecord,
  ResumedFrom,
  StatusPage,
  StatusRequest,
  TaskDecision,
  TaskFeedback,
  TaskStatus,
} from '../src/core/run-state.js';
export {
  BOARD_ID_ATTRIBUTE,
  BOARD_NAME_ATTRIBUTE,
  BOARD_SEARCH_ATTRIBUTES,
  REPO_ATTRIBUTE,
  STATE_ATTRIBUTE,
} from './search-attributes.js';

/** The task queue boards and their tasks run on unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'todone';
/** The workflow type, as registered by Todone's workers. */
export const BOARD_WORKFLOW_TYPE = 'boardWorkflow';

/** A board's workflow id: one running board per id, so a second start joins the first. */
export function boardWorkflowId(boardId: string): string {
  return `todone-board-${boardId}`;
}

export interface BoardWorkflowInput {
  /**
   * The board as Todone's own loader normalised it (the CLI and `BoardClient` send this). Other
   * services send `document` instead.
   */
  board?: BoardSpec;
  /**
   * The board document as a person writes it (the YAML's fields, as JSON). The workflow's first
   * activity normalises and checks it with the loader's rules; a bad board fails the workflow with
   * a non-retryable ApplicationFailure of type `InvalidBoard` whose details[0] is
   * `{ source, issues: [{ path, message }] }`.
   */
  document?: unknown;
  /** With `document`: the folder its relative paths start from, on the workers' machines. */
  baseDir?: string;
  /** With `document`: command-line style overrides. */
  overrides?: { maxParallel?: number; policy?: 'eager' | 'waves' };
  /** Present when this run continues an earlier one (continue-as-new). */
  carried?: CarriedState;
  /** History events after which the run drains and continues as new (tests lower it). */
  continueAfterEvents?: number;
  /**
   * A new run of a board whose last run ended failed or cancelled: that run's task statuses
   * (its result's `tasks`). Tasks that succeeded and did not change are kept, the rest run again.
   */
  resume?: ResumeInput;
  /** Start over: on a git board the integration branch goes back to the base branch. */
  fresh?: boolean;
}

export interface ResumeInput {
  tasks: TaskStatus[];
  /** The run being resumed, for the record. */
  runId?: string;
  state?: BoardState;
}

/** What a run hands to the next when it continues as new. Nothing is running at that point. */
export interface CarriedState {
  startedAt: number;
  tasks: TaskStatus[];
  git?: WorktreeCarry;
  /** The status change counter reached, so watchers' `changedSince` stays meaningful. */
  seq?: number;
  paused?: boolean;
  /** The task a breakpoint paused the board before, and the breakpoints not reached yet. */
  breakpoint?: string;
  breakpoints?: string[];
  /** Changes made to the running board (updates), oldest first. */
  changes?: BoardChange[];
  resumedFrom?: ResumedFrom;
  /** How the board's webhooks fared so far. */
  notifications?: NotificationRecord;
}

/** Git mode: the integration branch and the idle pool slots. */
export interface WorktreeCarry {
  integration: IntegrationInfo;
  freeSlots: number[];
}

/**
 * The board's live state: counts and tasks with their state, attempts, times and outcome. With no
 * argument a board of up to 500 tasks answers with all of them and a bigger one with the tasks
 * that matter; a request pages through them, filters by state or id, or asks what changed since
 * the `seq` of an earlier answer.
 */
export const statusQuery = defineQuery<BoardStatus, [request?: StatusRequest]>('status');
/** Cancel the whole board: running tasks are killed, nothing new starts. */
export const cancelBoardSignal = defineSignal<[reason?: string]>('cancelBoard');
/** Cancel one task (its process is killed); its dependents are skipped. */
export const cancelTaskSignal = defineSignal<[taskId: string, reason?: string]>('cancelTask');

export interface CancelTaskRequest {
  taskId: string;
  reason?: string;
}

export interface CancelTaskAnswer {
  accepted: boolean;
  /** The task's state after the request: `cancelling`, `cancelled`, or the final state it had already reached. */
  state: string;
}

/** Like cancelTaskSignal, but answers whether the task existed and was still cancellable. */
export const cancelTaskUpdate = defineUpdate<CancelTaskAnswer, [request: CancelTaskRequest]>('cancelTaskChecked');

/** Who asked for a change: `user@host` (the CLI fills it in); recorded in the board's changes. */
export interface Requester {
  by?: string;
}

/** Failed, conflicted or cancelled tasks go back to pending with fresh attempts; the dependents they skipped are revived. */
export const retryTasksUpdate = defineUpdate<
  { retried: string[]; revived: string[] },
  [request: { taskIds: string[] } & Requester]
>('retryTasks');
/**
 * Tasks joined to the running board; they may depend on its tasks. Each is written as in a board
 * file (normalised by the workflow with the board's defaults) or already normalised (a TaskSpec).
 */
export const addTasksUpdate = defineUpdate<
  { added: string[] },
  [request: { tasks: (WrittenTask | TaskSpec)[] } & Requester]
>('addTasks');
/** Stop starting tasks (running ones finish), or start again. */
export const pauseUpdate = defineUpdate<{ paused: boolean }, [request: Requester]>('pause');
export const resumeUpdate = defineUpdate<{ paused: boolean }, [request: Requester]>('resume');
/** Change the parallel limit of the running board. */
export const setMaxParallelUpdate = defineUpdate<
  { maxParallel: number },
  [request: { maxParallel: number } & Requester]
>('setMaxParallel');

/**
 * A person's decision on a task waiting at its approval gate (state `awaiting-approval`). `comment`
 * is recorded with the decision; a rejection needs one, and it reaches the task's next run (its
 * prompt and TODONE_FEEDBACK) unless `final`, which fails the task for good (its dependents are
 * skipped). A gate before the task starts can only be rejected for good.
 */
export interface ApproveRequest extends Requester {
  taskId: string;
  comment?: string;
}
export interface RejectRequest extends Requester {
  taskId: string;
  comment: string;
  final?: boolean;
}
/** The task's state after the decision: `pending` (to start, or to run again), `running` (being integrated), `failed`. */
export interface DecisionAnswer {
  taskId: string;
  state: TaskState;
}
export const approveTaskUpdate = defineUpdate<DecisionAnswer, [request: ApproveRequest]>('approveTask');
export const rejectTaskUpdate = defineUpdate<DecisionAnswer, [request: RejectRequest]>('rejectTask');

/** A task's place in the graph, for pictures of the board (the web board): no prompt, no agent settings. */
export interface BoardGraphTask {
  id: string;
  dependsOn: string[];
  estimateMs: number;
  priority: number;
  type: string;
  /** The agent kind (shell, claude, codex, ...). */
  agent: string;
  /** The first 200 characters of the description. */
  description: string;
}

export interface BoardGraphPage {
  tasks: BoardGraphTask[];
  total: number;
  offset: number;
  more: boolean;
}

/** The board's tasks and dependencies as it runs now (tasks added included), a page at a time (at most 2,000 tasks). */
export const boardGraphQuery = defineQuery<BoardGraphPage, [request?: { offset?: number; limit?: number }]>('graph');
/** Pause the board before this task starts (running tasks go on); `resume` goes on. */
export const setBreakpointUpdate = defineUpdate<{ breakpoints: string[] }, [request: { taskId: string } & Requester]>(
  'setBreakpoint',
);

/**
 * The `type` of every ApplicationFailure a task's activities end with. Whether the workflow retries
 * follows from it (activity-options.ts), and clients read it from a failed task's cause.
 */
export const FAILURE_TYPES = {
  /** The process ran and exited non-zero, or its CLI reported an error: retryable. */
  taskFailed: 'TaskFailed',
  /** The agent finished but a required validation command failed: retryable, its output goes into the next prompt. */
  validationFailed: 'ValidationFailed',
  /** A budget was used up before this attempt could start: retrying would only spend more. */
  budgetExhausted: 'BudgetExhausted',
  /** The task cannot run as configured (missing workdir, command not found): retrying will not help. */
  invalidTask: 'InvalidTaskConfig',
  /** The board's repository settings cannot work (not a repository, unknown base branch, ...). */
  gitConfig: 'GitConfigError',
  /** The task's worktree was gone when its work was to be committed: the task starts again from a new one. */
  worktreeGone: 'WorktreeGone',
  /**
   * The workflow input is invalid (the board document, `baseDir`, the workflow id, `resume`): the
   * workflow fails with it; details[0] is { source, issues: [{ path, message }], more? }.
   */
  invalidBoard: 'InvalidBoard',
  /**
   * An update's refusal by its validator: non-retryable (the same request would be refused again),
   * its message says why; addTasks adds details[0]: { issues: [{ path, message }], more? }.
   */
  requestRefused: 'RequestRefused',
  /** A webhook refused a notification in a way retrying cannot fix (a 4xx, a redirect, a missing variable). */
  notificationRefused: 'NotificationRefused',
} as const;

/** The failure type of an update's refusal (FAILURE_TYPES.requestRefused). */
export const REQUEST_REFUSED = FAILURE_TYPES.requestRefused;
