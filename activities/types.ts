/** Inputs and outputs of the task activities. The workflow imports these as types only. */
import type { AgentSpec, TaskType } from '../src/core/board.js';

export interface RunTaskInput {
  boardId: string;
  taskId: string;
  type: TaskType;
  description: string;
  workdir: string;
  agent: AgentSpec;
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
} as const;
