/** Turns what ended a task activity into the outcome the scheduler records. */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, isCancellation } from '@temporalio/workflow';
import type { TaskSpec } from '../src/core/board.js';
import { asTaskOutcome, carriedFacts, type TaskOutcome } from '../src/core/outcome.js';

/**
 * What a success keeps of its output: the end of it, so a client on another machine reads what the
 * task said, but shorter than a failure's 4 KB (the log file on the worker has all of it): 10,000
 * tails ride in every continue-as-new and in the result.
 */
export const SUCCESS_TAIL_CHARS = 512;

export function successOutcome(result: TaskOutcome): TaskOutcome {
  const { outputTail, ...kept } = result;
  return outputTail ? { ...kept, outputTail: outputTail.slice(-SUCCESS_TAIL_CHARS) } : kept;
}

/** A reason a person can act on: the exit code and last line, the timeout that fired, or the cancel reason. */
export function failureOutcome(error: unknown, task: TaskSpec, cancelReason: string | undefined): TaskOutcome {
  const reported = reportedOutcome(error);
  if (cancelReason !== undefined || isCancellation(error)) {
    return { ...reported, attempts: reported?.attempts ?? 0, reason: cancelReason ?? 'cancelled' };
  }
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure) {
    const limit = cause.timeoutType === 'HEARTBEAT' ? task.heartbeatTimeoutMs : task.timeoutMs;
    // The attempt that timed out reported nothing; its last heartbeat says what the attempts spent and where they ran.
    const { usage, runs } = carriedFacts(cause.lastHeartbeatDetails);
    return {
      ...reported,
      ...(usage ? { usage } : {}),
      ...(runs ? { runs, logPath: runs.at(-1)!.log } : {}),
      attempts: task.retry.maxAttempts,
      reason: `timed out (${cause.timeoutType ?? 'timeout'}, limit ${limit}ms)`,
    };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { ...reported, attempts: reported?.attempts ?? task.retry.maxAttempts, reason: message };
}

/** The outcome the failed attempt reported in its ApplicationFailure's details, wherever it is in the cause chain. */
function reportedOutcome(error: unknown): TaskOutcome | undefined {
  let cause: unknown = error;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure) {
      const outcome = asTaskOutcome(cause.details?.[0]);
      if (outcome) return outcome;
    }
    cause = cause.cause;
  }
  return undefined;
}
