/** `todone trace <board>`: the board's events in order, from the Temporal history of every run of its chain. */
import { fetchRunHistories } from '../../client/board-history.js';
import { traceEvents, traceText } from '../../report/trace.js';
import { resolveBoardId } from '../board-ref.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { terminalText } from '../format/terminal-text.js';

export async function traceCommand(options: { board: string; json?: boolean }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  const session = await openSession(io);
  try {
    const workflowId = session.boards.handle(boardId).workflowId;
    await session.boards.describe(boardId);
    const runs = await fetchRunHistories(session.client, workflowId, 'chain');
    const events = runs.flatMap((run) => traceEvents(run.runId, run.history));
    io.stdout(
      // The events quote task output and reasons: as JSON they are escaped, as text they are made safe.
      options.json
        ? `${JSON.stringify({ boardId, workflowId, events }, null, 2)}\n`
        : `${terminalText(traceText(events))}\n`,
    );
    return 0;
  } finally {
    await session.close();
  }
}
