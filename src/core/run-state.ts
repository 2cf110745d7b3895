/**
 * What a running or finished board looks like from outside: the `status` query, the workflow
 * result and the CLI's report all use these shapes. Small on purpose: they travel in payloads.
 */
import type { ApprovalTimeoutPolicy, SchedulingPolicy } from './board.js';
import type { TaskOutcome } from './outcome.js';
import type { StatusPage } from './status-view.js';
import type { BudgetSpec, Usage } from './usage.js';

export type { CandidateStatus, ReviewVerdict, TaskCommit, TaskOutcome, ValidationRecord } from './outcome.js';
export type { StatusPage, StatusRequest } from './status-view.js';

export const TASK_STATES = [
  'pending',
  'running',
  'awaiting-approval',
  'succeeded',
  'failed',
  'conflicted',
  'skipped',
  'cancelled',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export function isFinal(state: TaskState): boolean {
  return state !== 'pending' && state !== 'running' && state !== 'awaiting-approval';
}

/** A task waiting for a person (state `awaiting-approval`): which gate, since when, until when. */
export interface ApprovalWait {
  /** `before`: it has not started; `after`: its work passed its checks and waits to be integrated. */
  gate: 'before' | 'after';
  /** Epoch ms (workflow time). */
  since: number;
  /** When the gate's timeout decides for it (`onTimeout`). */
  deadline?: number;
  onTimeout?: ApprovalTimeoutPolicy;
}

/** A decision about a task's work: a person's (or a deadline's) on its gate, or a review's verdict. */
export interface TaskDecision {
  /** Epoch ms (workflow time). */
  at: number;
  decision: 'approve' | 'reject' | 'changes';
  /** `user@host` of the person who decided. */
  by?: string;
  /** The review whose verdict sent the work back. */
  review?: string;
  /** The gate's deadline passed and its `onTimeout` decided. */
  timedOut?: boolean;
  /** A rejection that failed the task for good. */
  final?: boolean;
  comment?: string;
}

/** What a task's work was sent back with: the next run's prompt and TODONE_FEEDBACK carry `comment`. */
export interface TaskFeedback {
  /** Who sent it back, in words: `rejected by ann@box`, `review "check" (round 1)`. */
  from: string;
  comment: string;
}

/** Where a task sent back starts its next run (git boards), and what it has been through. */
export interface TaskRework {
  /** The commit it starts from: its own earlier work (a rejection), else the integration head. */
  startSha?: string;
  /** The branch holding `startSha`, for a worker whose clone lacks it (a remote board). */
  startBranch?: string;
  /** Files that conflicted when its approved work was merged. */
  conflictFiles?: string[];
}
/** A task as the board sees it: its place in the run, and what it produced so far. */
export interface TaskStatus extends TaskOutcome {
  id: string;
  state: TaskState;
  /** Epoch ms (workflow time) when the task was handed to an activity. */
  startedAt?: number;
  endedAt?: number;
  /** What the task was asked to do, as a hash (taskDefinition): a resumed board keeps a task only while it is unchanged. */
  definition?: string;
  /** Succeeded in an earlier run of the board and kept by this one (resumed): it did not run again. */
  kept?: boolean;
  /**
   * While it runs: the capabilities its worker must offer (TaskSpec.requires), so a client can
   * tell when no worker offering them is polling. Dropped when the task ends.
   */
  requires?: string[];
  /** While it waits for a person (state `awaiting-approval`): which gate, since when, until when. */
  approval?: ApprovalWait;
  /** Its start was approved (a `before` gate): it starts without asking again. */
  cleared?: boolean;
  /** Decisions about its work, oldest first (the last MAX_DECISIONS). */
  decisions?: TaskDecision[];
  /** Time it spent waiting for people at its approval gate, over every round. */
  waitedMs?: number;
  /**
   * Review rounds: for a review, the verdict it is on (1 first); for a task a review sent back,
   * the round of work it is on. Absent: the first.
   */
  round?: number;
  /** What its last run was sent back with (a rejection, a review's changes). */
  feedback?: TaskFeedback;
  /** Set while it waits to run again after it was sent back: where its next run starts. */
  rework?: TaskRework;
  /** Git boards with gates: how many times its approved work conflicted on its way in (onConflict: retry). */
  conflicts?: number;
}

/** Decisions a task's status keeps: enough to see a story of rejections, small enough for payloads. */
export const MAX_DECISIONS = 10;

/** Git mode: where the board's work was integrated. */
export interface IntegrationStatus {
  repo: string;
  /** A remote board: the URL its branches were pushed to (`repo` names it too). */
  remote?: string;
  worktreeRoot: string;
  baseBranch: string;
  baseSha: string;
  branch: string;
  head: string;
}

export interface BoardCounts {
  total: number;
  pending: number;
  running: number;
  /** Waiting for a person's approval (absent in the results of boards run before gates existed). */
  awaitingApproval?: number;
  succeeded: number;
  failed: number;
  conflicted: number;
  skipped: number;
  cancelled: number;
}

/**
 * `starting` until a board sent as a document is normalised (a moment, on a worker); then
 * `running`, `cancelling` once cancelled, and at the end `completed`, `failed` or `cancelled`.
 */
export type BoardState = 'starting' | 'running' | 'cancelling' | 'completed' | 'failed' | 'cancelled';

/** Why a board never started: every problem with its path (the InvalidBoard failure's details). */
export interface BoardProblems {
  /** Names the input: "the board document", "the workflow input". */
  source: string;
  /** At most 100; `more` counts the rest. */
  issues: { path: string; message: string }[];
  more?: number;
}

export interface BoardStatus {
  boardId: string;
  name: string;
  policy: SchedulingPolicy;
  maxParallel: number;
  state: BoardState;
  startedAt: number;
  endedAt?: number;
  counts: BoardCounts;
  /** Every task, or on a big board the ones that matter or the ones asked for (see `page`). */
  tasks: TaskStatus[];
  /** Present when `tasks` is not every task: what it holds and how to ask for more. */
  page?: StatusPage;
  /** The board's change counter: ask for `changedSince: seq` to get only what changed after this answer. */
  seq?: number;
  integration?: IntegrationStatus;
  /** Webhook deliveries (`notify:`): how many were delivered, and the last that failed. */
  notifications?: NotificationRecord;
  /** Set while nothing new starts (`todone pause`, or a breakpoint); running tasks go on. */
  paused?: boolean;
  /** The board is paused before this task (a breakpoint): `todone resume` starts it. */
  breakpoint?: string;
  /** Breakpoints not reached yet. */
  breakpoints?: string[];
  /** What was changed on the running board, when and by whom (the last 100). */
  changes?: BoardChange[];
  /** This run resumed an earlier one: which, and how many tasks it kept. */
  resumedFrom?: ResumedFrom;
  /** Everything the board's agents reported spending. */
  usage?: Usage;
  budget?: BudgetSpec & { onExhausted: 'finish' | 'cancel'; exhausted?: string };
  /** A board that never started (state `failed`, no tasks): why. */
  invalid?: BoardProblems;
}

export interface BoardChange {
  /** Epoch ms (workflow time). */
  at: number;
  /** `user@host` of whoever asked, when the caller said. */
  by?: string;
  kind: 'retry' | 'add' | 'pause' | 'resume' | 'maxParallel' | 'breakpoint' | 'approve' | 'reject' | 'review';
  /** What changed, in words: "retry b (revived c, d)". */
  detail: string;
}

/** How the board's webhooks fared. A delivery that failed for good is recorded, never fatal. */
export interface NotificationRecord {
  delivered: number;
  failed: number;
  /** The last failures (at most 10), oldest first. */
  failures?: { at: number; event: string; webhook: number; error: string }[];
}

export interface ResumedFrom {
  runId?: string;
  state?: BoardState;
  kept: number;
  /** Tasks that had succeeded but run again (changed, or downstream of a change). */
  rerun: number;
  /** Tasks that had succeeded and are cached: looked up in the cache again rather than kept. */
  cached?: number;
}

/** The original description's metrics, with the parallelization factor defined as sum of task durations / makespan. */
export interface BoardMetrics {
  totalTasks: number;
  completedTasks: number;
  failedTasks: number;
  conflictedTasks: number;
  skippedTasks: number;
  cancelledTasks: number;
  /** Succeeded in an earlier run and kept (a resumed board): counted in completedTasks, not in the timings. */
  keptTasks: number;
  executionTimeMs: number;
  sumOfTaskDurationsMs: number;
  parallelizationFactor: number;
}

export interface BoardResult extends BoardStatus {
  metrics: BoardMetrics;
}

export function countTasks(tasks: readonly TaskStatus[]): BoardCounts {
  const counts: BoardCounts = {
    total: tasks.length,
    pending: 0,
    running: 0,
    awaitingApproval: 0,
    succeeded: 0,
    failed: 0,
    conflicted: 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const task of tasks) {
    if (task.state === 'awaiting-approval') counts.awaitingApproval!++;
    else counts[task.state]++;
  }
  return counts;
}

export function computeMetrics(tasks: readonly TaskStatus[], startedAt: number, endedAt: number): BoardMetrics {
  const counts = countTasks(tasks);
  // Kept tasks ran in an earlier run: this run's parallelism is what it ran itself.
  const sumOfTaskDurationsMs = tasks.reduce((sum, t) => sum + (t.kept ? 0 : (t.durationMs ?? 0)), 0);
  const executionTimeMs = Math.max(0, endedAt - startedAt);
  return {
    totalTasks: counts.total,
    completedTasks: counts.succeeded,
    failedTasks: counts.failed,
    conflictedTasks: counts.conflicted,
    skippedTasks: counts.skipped,
    cancelledTasks: counts.cancelled,
    keptTasks: tasks.filter((t) => t.kept).length,
    executionTimeMs,
    sumOfTaskDurationsMs,
    parallelizationFactor: executionTimeMs > 0 ? sumOfTaskDurationsMs / executionTimeMs : 0,
  };
}
