/** `todone cancel <board> [task]`: stop a whole board, or one task and what depends on it. */
import { describeStuck } from '../../client/stuck-workflow.js';
import { resolveBoardId } from '../board-ref.js';
import { terminalText } from '../format/terminal-text.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';

export async function cancelCommand(
  options: { board: string; task?: string; reason?: string },
  io: CommandIO,
): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  const session = await openSession(io);
  try {
    // Only the workflow's state matters here: no need to wait on a worker for a status query.
    const state = (await session.boards.describe(boardId)).status.name;
    if (state !== 'RUNNING') {
      io.stderr(`Board "${boardId}" is not running (${state}): nothing to cancel.\n`);
      return 1;
    }
    if (!options.task) {
      const outcome = await session.boards.cancelBoard(boardId, options.reason);
      if (outcome.how === 'terminated') {
        io.stdout(
          `Board "${boardId}" could not read the cancellation: ${terminalText(describeStuck(outcome.failing))}\n` +
            `It was terminated instead: its running tasks stop at their next heartbeat, nothing more is merged.\n`,
        );
      } else if (outcome.how === 'queued') {
        io.stdout(
          `No worker answered for board "${boardId}": the cancellation is recorded and applies when a worker serves it (todone worker, or todone run).\n`,
        );
      } else {
        io.stdout(`Cancelling board "${boardId}": running tasks are being stopped, nothing new will start.\n`);
      }
      return 0;
    }
    const answer = await session.boards.cancelTask(boardId, options.task, options.reason);
    if (answer.queued) {
      io.stdout(
        `No worker is running board "${boardId}" right now: the cancellation of "${options.task}" is queued and applies when it resumes.\n`,
      );
      return 0;
    }
    if (!answer.accepted) {
      io.stderr(`Task "${options.task}" is already ${answer.state}: nothing to cancel.\n`);
      return 1;
    }
    io.stdout(
      `Task "${options.task}" ${answer.state === 'cancelling' ? 'is being cancelled (its process is killed)' : 'cancelled'}; its dependents will be skipped.\n`,
    );
    return 0;
  } finally {
    await session.close();
  }
}
