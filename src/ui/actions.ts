/**
 * What the page's buttons do: the same BoardClient calls the CLI's cancel, retry, approve, reject,
 * pause, resume and set commands make. Each answers a short sentence for the page to show.
 */
import { requester, type BoardClient } from '../client/board-client.js';
import { LIMITS } from '../core/limits.js';
import { InvalidInputError } from '../errors.js';

export type BoardAction = 'cancel' | 'pause' | 'resume' | 'max-parallel';
export type TaskAction = 'cancel' | 'retry' | 'approve' | 'reject';

export const BOARD_ACTIONS: readonly string[] = ['cancel', 'pause', 'resume', 'max-parallel'] satisfies BoardAction[];
export const TASK_ACTIONS: readonly string[] = ['cancel', 'retry', 'approve', 'reject'] satisfies TaskAction[];

/** Whoever started `todone ui`: only they were given its token, so a click is theirs. */
const BY = `${requester()} via web board`;

export async function boardAction(
  boards: BoardClient,
  boardId: string,
  action: BoardAction,
  body: { maxParallel?: unknown },
): Promise<string> {
  switch (action) {
    case 'cancel': {
      const outcome = await boards.cancelBoard(boardId, 'cancelled from the web board');
      if (outcome.how === 'terminated')
        return `Board "${boardId}" could not read the cancellation (its workflow keeps failing): it was terminated instead.`;
      if (outcome.how === 'queued')
        return `No worker is running board "${boardId}" now: the cancellation applies when one does.`;
      return `Cancelling board "${boardId}": running tasks are being stopped, nothing new will start.`;
    }
    case 'pause':
      await boards.pause(boardId, { by: BY });
      return `Board "${boardId}" paused: running tasks finish, nothing new starts.`;
    case 'resume':
      await boards.resume(boardId, { by: BY });
      return `Board "${boardId}" resumed.`;
    case 'max-parallel': {
      const n = body.maxParallel;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
        throw new InvalidInputError('maxParallel', [
          { path: 'maxParallel', message: `expected a positive integer, got ${JSON.stringify(n)}` },
        ]);
      }
      const answer = await boards.setMaxParallel(boardId, n, { by: BY });
      return `Board "${boardId}" now runs up to ${answer.maxParallel} tasks at once.`;
    }
  }
}

export async function taskAction(
  boards: BoardClient,
  boardId: string,
  taskId: string,
  action: TaskAction,
  body: { comment?: unknown; final?: unknown } = {},
): Promise<string> {
  if (action === 'approve' || action === 'reject') return decide(boards, boardId, taskId, action, body);
  if (action === 'retry') {
    const answer = await boards.retryTasks(boardId, [taskId], { by: BY });
    const revived = answer.revived.length ? ` (revived ${answer.revived.join(', ')})` : '';
    return `Task "${taskId}" runs again${revived}.`;
  }
  const answer = await boards.cancelTask(boardId, taskId, 'cancelled from the web board');
  if (answer.queued)
    return `No worker is running board "${boardId}" now: the cancellation of "${taskId}" applies when it resumes.`;
  if (!answer.accepted) return `Task "${taskId}" is already ${answer.state}: nothing to cancel.`;
  return `Task "${taskId}" ${answer.state === 'cancelling' ? 'is being cancelled' : 'cancelled'}; its dependents will be skipped.`;
}

/**
 * A person's decision from the task panel, recorded as made by the web board. The body is checked
 * here and again by the board's validator (control characters, a comment to reject).
 */
async function decide(
  boards: BoardClient,
  boardId: string,
  taskId: string,
  action: 'approve' | 'reject',
  body: { comment?: unknown; final?: unknown },
): Promise<string> {
  const { comment, final } = body;
  const problems: { path: string; message: string }[] = [];
  if (comment !== undefined && (typeof comment !== 'string' || comment.length > LIMITS.comment))
    problems.push({ path: 'comment', message: `expected text of at most ${LIMITS.comment} characters` });
  if (action === 'reject' && (typeof comment !== 'string' || comment.trim() === ''))
    problems.push({
      path: 'comment',
      message: 'a rejection says why: the task is told, in its prompt and TODONE_FEEDBACK',
    });
  if (final !== undefined && typeof final !== 'boolean')
    problems.push({ path: 'final', message: `expected true or false, got ${JSON.stringify(final)}` });
  if (problems.length) throw new InvalidInputError(action === 'approve' ? 'the approval' : 'the rejection', problems);
  const text = typeof comment === 'string' && comment.trim() !== '' ? comment : undefined;
  if (action === 'approve') {
    const { state } = await boards.approveTask(boardId, taskId, { by: BY, ...(text ? { comment: text } : {}) });
    return state === 'pending'
      ? `Approved "${taskId}": it starts when a slot is free.`
      : `Approved "${taskId}": its work goes in and its dependents can start.`;
  }
  const { state } = await boards.rejectTask(boardId, taskId, text!, { by: BY, ...(final === true ? { final } : {}) });
  return state === 'failed'
    ? `Rejected "${taskId}" for good: it failed, and what depends on it is skipped.`
    : `Sent "${taskId}" back with your comment: it runs again, then waits for approval again.`;
}
