/** Inputs and outputs of the task activities. The workflow imports these as types only. */
import type { PrepareWorktreeInput } from './git/types.js';
import type { AgentSpec, TaskCacheSpec, TaskType, ValidateSpec } from '../src/core/board.js';
import type { BudgetSpec, Usage } from '../src/core/usage.js';

export interface RunTaskInput {
  /** An aggregate task's reduce command: its dependencies' outputs arrive on stdin, its stdout is its output. */
  reduce?: boolean;
  boardId: string;
  taskId: string;
  type: TaskType;
  description: string;
  workdir: string;
  agent: AgentSpec;
  /**
   * Git mode: the worktree the task runs in. A retried attempt first puts it back to the task's
   * start commit, so it never builds on a failed attempt's leftovers.
   */
  worktree?: PrepareWorktreeInput;
  /** Kill the agent when it prints nothing for this long (TaskSpec.idleTimeoutMs). */
  idleTimeoutMs?: number;
  /** Git mode: an attempt that leaves its worktree unchanged fails (TaskSpec.expectChanges). */
  expectChanges?: boolean;
  /** Extra environment for this run (e.g. what conflicted last time). */
  env?: Record<string, string>;
  /** The board's goal, for the prompt. */
  goal?: string;
  /** Commands that must pass in the task's folder after the agent (the loader's TaskSpec.validate). */
  validate?: ValidateSpec[];
  /** What the task builds on, for the prompt: each dependency's summary and the files it changed. */
  dependencies?: DependencyBrief[];
  /**
   * Budgets and what the workflow knew had been spent when it scheduled this task. Each retry
   * adds this activity's own earlier attempts and refuses to start once a budget is used up.
   */
  budgets?: { board?: BudgetSpec; task?: BudgetSpec; boardSpent?: Usage; taskSpent?: Usage };
  /** A cached task (TaskSpec.cache): its result is looked up first, and stored when it succeeds. */
  cache?: TaskCacheInput;
  /**
   * The task's work was sent back (a person rejected it, or a review asked for changes): its
   * prompt and TODONE_FEEDBACK carry the comment, and `onEarlierWork` says its folder holds that work.
   */
  feedback?: { from: string; comment: string; onEarlierWork: boolean };
  /** A review: the work it reads and judges, and which round this is. */
  review?: ReviewInput;
}

export interface ReviewInput {
  round: number;
  maxRounds: number;
  tasks: ReviewedBrief[];
}

/** A reviewed task as its review is told: what it was asked, what it said and produced, where its change is. */
export interface ReviewedBrief {
  id: string;
  description: string;
  summary?: string;
  output?: unknown;
  /** The end of what it printed (a plain board's review has no diff to read). */
  outputTail?: string;
  /** Git boards: the integration heads before and after its latest work came in (`git diff from to`). */
  changes?: { from: string; to: string };
  files?: string[];
  /** The comment its latest run answered, from the review's previous round. */
  answered?: string;
}

/**
 * A cached task's settings, and on a git board what its key reads in place of the start commit's
 * tree when it can: the board's base commit and, for each dependency, its own key and commit. The
 * start commit holds whatever was integrated before the task started; base and its dependencies'
 * work is what it builds on, the same from one run to the next.
 */
export interface TaskCacheInput extends TaskCacheSpec {
  base?: string;
  dependencies?: { id: string; key?: string; commit?: string; changed?: boolean }[];
}

export interface DependencyBrief {
  id: string;
  description: string;
  /** What the dependency left in its TODONE_OUTPUT (bounded JSON). */
  output?: unknown;
  /** The dependency's own agent summary (TaskOutcome.summary), when it gave one. */
  summary?: string;
  files: string[];
}

/** Token counts as the agent's CLI reported them; input includes cached input. */
export type { Usage } from '../src/core/usage.js';

/**
 * An attempt's activity returns the TaskOutcome of that attempt (`attempts` is its attempt number,
 * usage covers its earlier attempts too); a failed attempt carries the same shape in
 * `ApplicationFailure.details[0]`. For a validation failure `outputTail` is the failing check's
 * output (the agent's is in its log).
 */
export type { TaskOutcome, ValidationRecord } from '../src/core/outcome.js';
