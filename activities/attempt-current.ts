/**
 * Whether the server still counts this attempt as the task's current one. An attempt handed to a
 * worker's waiting poll while the worker was paused (SIGSTOP, a frozen VM) starts only when it
 * wakes, with no silence on its own clock: the server may long since have timed it out and given
 * the task to another attempt. The server started the attempt (and its heartbeat clock) at some
 * moment since it was scheduled, which is all the worker knows of it. Asking costs a call to the
 * server, so only an attempt scheduled more than half its heartbeat timeout ago asks: it has begun
 * with a heartbeat (`beginsLate`), so the server either has timed it out or has heard from it,
 * and the answer holds until the attempt's next heartbeat. An attempt scheduled more recently
 * cannot be close to a timeout yet.
 */
import type { Context } from '@temporalio/activity';
import { PENDING_SCHEDULED, pendingActivity } from '../temporal/pending-activity.js';

type AttemptContext = Pick<Context, 'info' | 'client'>;

/**
 * Whether the attempt begins late: scheduled more than a quarter of its heartbeat timeout ago (its
 * worker was paused or starved while its poll held it), so the server's heartbeat clock may have
 * run that long already and the attempt must heartbeat at once, not after its usual quiet moment.
 */
export function beginsLate(
  info: Pick<Context['info'], 'heartbeatTimeoutMs' | 'currentAttemptScheduledTimestampMs'>,
  now = Date.now(),
): boolean {
  const timeoutMs = info.heartbeatTimeoutMs;
  return timeoutMs !== undefined && now - info.currentAttemptScheduledTimestampMs > timeoutMs / 4;
}

/** Why this attempt is no longer the task's current one, or undefined when it is (or the server cannot say). */
export async function supersededBecause(ctx: AttemptContext, now = Date.now()): Promise<string | undefined> {
  const { info } = ctx;
  const heartbeatTimeoutMs = info.heartbeatTimeoutMs;
  const execution = info.workflowExecution;
  if (!heartbeatTimeoutMs || !execution) return undefined;
  if (now - info.currentAttemptScheduledTimestampMs <= heartbeatTimeoutMs / 2) return undefined;
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
