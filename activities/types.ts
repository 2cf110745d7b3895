/** Inputs and outputs of the task activities. The workflow imports these as types only. */
import type { PrepareWorktreeInput } from './git/types.js';
import type { AgentSpec, TaskType } from '../src/core/board.js';

export interface RunTaskInput {
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
  /** Extra environment for this run (e.g. what conflicted last time). */
  env?: Record<string, string>;
}

export interface TaskAttemptResult {
  attempt: number;
  exitCode: number;
  durationMs: number;
  logPath: string;
  /** Last few KB of combined output: enough to read an error, never enough to bloat history. */
  outputTail: string;
  outputBytes: number;
}

/** Carried in `ApplicationFailure.details[0]` when an attempt fails, so the workflow can report it. */
export type TaskAttemptFailure = Partial<TaskAttemptResult> & { attempt: number };

export const FAILURE_TYPES = {
  /** The process ran and exited non-zero: retryable. */
  taskFailed: 'TaskFailed',
  /** The task cannot run as configured (missing workdir, command not found): retrying will not help. */
  invalidTask: 'InvalidTaskConfig',
  /** The board's repository settings cannot work (not a repository, unknown base branch, ...). */
  gitConfig: 'GitConfigError',
} as const;
