/** `todone status <board>`: the board's live state, or its result once finished. */
import { formatDuration } from '../../core/duration.js';
import { resolveBoardId } from '../board-ref.js';
import { formatCounts, formatTaskTable } from '../format/task-table.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';

export async function statusCommand(options: { board: string; json?: boolean }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  const session = await openSession(io);
  try {
    const snapshot = await session.boards.snapshot(boardId);
    const workflowState = snapshot.description.status.name;
    if (options.json) {
      io.stdout(JSON.stringify({ workflowState, answered: snapshot.answered, runningAttempts: snapshot.runningAttempts, ...snapshot.status }, null, 2) + '\n');
      return 0;
    }
    io.stdout(`Board "${boardId}": workflow ${snapshot.description.workflowId} is ${workflowState}.\n`);
    const link = session.uiLink(snapshot.description.workflowId);
    if (link) io.stdout(`Web UI: ${link}\n`);
    if (!snapshot.status) {
      const running = Object.entries(snapshot.runningAttempts).map(([id, attempt]) => `${id} (attempt ${attempt})`);
      io.stdout(
        snapshot.answered
          ? 'No status recorded (the workflow did not complete normally).\n'
          : `No worker answered: nothing is polling task queue "${snapshot.description.taskQueue}". ` +
              `Run \`todone run <board file>\` or \`todone worker\` to resume it.\n` +
              (running.length ? `Tasks the server still counts as running: ${running.join(', ')}.\n` : ''),
      );
      return 0;
    }
    const status = snapshot.status;
    const elapsed = (status.endedAt ?? Date.now()) - status.startedAt;
    io.stdout(`${formatCounts(status)} after ${formatDuration(elapsed)} (maxParallel ${status.maxParallel}, ${status.policy}).\n\n`);
    io.stdout(formatTaskTable(status.tasks, snapshot.runningAttempts) + '\n');
    return 0;
  } finally {
    await session.close();
  }
}
