/** Turns what ended a task activity into the outcome the scheduler records. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import type { TaskAttemptFailure, TaskAttemptResult } from '../activities/types.js';
import type { TaskSpec } from '../src/core/board.js';
import type { Outcome } from '../src/core/scheduler.js';

/** A success keeps no output tail: the log file has it, and 10,000 tails would bloat every status. */
export function successOutcome(result: TaskAttemptResult): Outcome {
  return {
    attempts: result.attempt,
    durationMs: result.durationMs,
    exitCode: result.exitCode,
    logPath: result.logPath,
    ...(result.usage ? { usage: result.usage } : {}),
    ...(result.summary ? { summary: result.summary } : {}),
  };
}

/** A reason a person can act on: the exit code and last line, the timeout that fired, or the cancel reason. */
export function failureOutcome(error: unknown, task: TaskSpec, cancelReason: string | undefined): Outcome {
  const details = attemptDetails(error);
  if (cancelReason !== undefined || isCancellation(error)) {
    return { attempts: 0, ...details, reason: cancelReason ?? 'cancelled' };
  }
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) {
    const limit = cause.timeoutType === 'HEARTBEAT' ? task.heartbeatTimeoutMs : task.timeoutMs;
    return { attempts: task.retry.maxAttempts, ...details, reason: `timed out (${cause.timeoutType ?? 'timeout'}, limit ${limit}ms)` };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { attempts: details.attempts ?? task.retry.maxAttempts, ...details, reason: message };
}

function attemptDetails(error: unknown): Partial<Outcome> & { attempts?: number } {
  let cause: unknown = error;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure) {
      const detail = cause.details?.[0] as TaskAttemptFailure | undefined;
      if (detail && typeof detail.attempt === 'number') {
        return {
          attempts: detail.attempt,
          durationMs: detail.durationMs,
          exitCode: detail.exitCode,
          logPath: detail.logPath,
          outputTail: detail.outputTail,
          ...(detail.usage ? { usage: detail.usage } : {}),
        };
      }
    }
    cause = cause.cause;
  }
  return {};
}
