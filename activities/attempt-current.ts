/**
 * Whether the server still counts this attempt as the task's current one. An attempt handed to a
 * worker's waiting poll while the worker was paused (SIGSTOP, a frozen VM) starts only when it
 * wakes, with no silence on its own clock: the server may long since have timed it out and given
 * the task to another attempt. The server started the attempt (and its heartbeat clock) at some
 * moment since it was scheduled, which is all the worker knows of it (on the server's clock, so a
 * worker's clock running behind the server's makes it see less of the wait). Asking costs a call to
 * the server, so only an attempt scheduled more than half its heartbeat timeout ago asks; an attempt
 * scheduled more recently cannot be close to a timeout yet. One that asks has already sent a
 * heartbeat as it began (`beginsLate`), which almost always reaches the server before the question
 * does: the answer "current" then holds for a whole timeout. Not always: the two go on separate
 * calls, and a heartbeat that lands after the timeout cancels the attempt once its agent has
 * started, which the agent's run survives as a cancelled one.
 */
import type { Context } from '@temporalio/activity';
import { PENDING_SCHEDULED, pendingActivity } from '../temporal/pending-activity.js';

type AttemptContext = Pick<Context, 'info' | 'client'>;

/**
 * Whether the attempt begins late: scheduled more than a quarter of its heartbeat timeout ago (its
 * worker was paused or starved while its poll held it), so the server's heartbeat clock may have
 * run that long already and the attempt must heartbeat at once, not after its usual quiet moment.
 */
export function beginsLate(info: ScheduleInfo, now = Date.now()): boolean {
  return scheduledOver(info, 1 / 4, now);
}

type ScheduleInfo = Pick<Context['info'], 'heartbeatTimeoutMs' | 'currentAttemptScheduledTimestampMs'>;

/** Whether the attempt was scheduled longer ago than `share` of its heartbeat timeout (never, without one). */
function scheduledOver(info: ScheduleInfo, share: number, now: number): boolean {
  const timeoutMs = info.heartbeatTimeoutMs;
  return !!timeoutMs && now - info.currentAttemptScheduledTimestampMs > timeoutMs * share;
}

/** Why this attempt is no longer the task's current one, or undefined when it is (or the server cannot say). */
export async function supersededBecause(ctx: AttemptContext, now = Date.now()): Promise<string | undefined> {
  const { info } = ctx;
  const execution = info.workflowExecution;
  if (!execution || !scheduledOver(info, 1 / 2, now)) return undefined;
  let current;
  try {
    current = await pendingActivity(ctx.client, execution, info.activityId);
  } catch {
    // No client (a test's mock environment) or no answer: the attempt runs, as it would have before asking.
    return undefined;
  }
  if (!current) return 'the server no longer has it pending (another attempt finished it, or it timed out)';
  if (current.attempt !== info.attempt) return `the server is on attempt ${current.attempt} of it`;
  if (current.state === PENDING_SCHEDULED) return 'the server has timed it out and scheduled it again';
  return undefined;
}

/** Why an attempt was cancelled, as the SDK names the reason (`NOT_FOUND`, `CANCELLED`, …), in words. */
export function cancelledBecause(reason: unknown): string {
  const name = reason instanceof Error ? reason.message : String(reason);
  const words: Record<string, string> = {
    NOT_FOUND: 'the server has given it up (timed out, or another attempt finished the task)',
    TIMED_OUT: 'the server timed it out',
    CANCELLED: 'the board cancelled it',
    WORKER_SHUTDOWN: 'its worker is shutting down',
    PAUSED: 'the task was paused',
    RESET: 'the task was reset',
  };
  return words[name] ?? `it was cancelled (${name})`;
}
