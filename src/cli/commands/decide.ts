/**
 * `todone approve` and `todone reject`: a person's decision on a task waiting at its approval gate,
 * sent as a Workflow Update. The board answers with the task's new state, or refuses (a task that is
 * not waiting, a rejection without a comment) and changes nothing. Who decided is recorded.
 */
import { LIMITS } from '../../core/limits.js';
import { InvalidInputError } from '../../errors.js';
import { resolveBoardId } from '../board-ref.js';
import type { CommandIO } from '../io.js';
import { withBoards } from './steer.js';

export async function approveCommand(
  options: { board: string; task: string; comment?: string },
  io: CommandIO,
): Promise<number> {
  checkComment('todone approve', options.comment, false);
  const boardId = await resolveBoardId(options.board, io.cwd);
  return withBoards(io, async (boards) => {
    const { state } = await boards.approveTask(boardId, options.task, {
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
    });
    io.stdout(
      state === 'pending'
        ? `Approved "${options.task}" on board "${boardId}": it starts when a slot is free.\n`
        : `Approved "${options.task}" on board "${boardId}": its work goes in and its dependents can start.\n`,
    );
    return 0;
  });
}

export async function rejectCommand(
  options: { board: string; task: string; comment?: string; final?: boolean },
  io: CommandIO,
): Promise<number> {
  checkComment('todone reject', options.comment, true);
  const boardId = await resolveBoardId(options.board, io.cwd);
  return withBoards(io, async (boards) => {
    const { state } = await boards.rejectTask(boardId, options.task, options.comment!, {
      ...(options.final ? { final: true } : {}),
    });
    io.stdout(
      state === 'failed'
        ? `Rejected "${options.task}" on board "${boardId}" for good: it failed, and what depends on it is skipped.\n`
        : `Sent "${options.task}" back on board "${boardId}": it runs again with your comment, then waits for approval again.\n`,
    );
    return 0;
  });
}

/** Said before anything is sent: the board would refuse it with the same words. */
function checkComment(command: string, comment: string | undefined, required: boolean): void {
  if (comment === undefined && !required) return;
  const problem =
    comment === undefined || comment.trim() === ''
      ? 'a rejection says why: give --comment "…" (the task is told, in its prompt and TODONE_FEEDBACK)'
      : comment.length > LIMITS.comment
        ? `at most ${LIMITS.comment} characters (it has ${comment.length})`
        : undefined;
  if (problem) throw new InvalidInputError(command, [{ path: '--comment', message: problem }]);
}
