/**
 * `todone watch <board>`: the live view of `todone run` for any board, wherever it was started
 * (another terminal, another machine's `todone run --no-worker`, a service through BoardClient).
 * It hosts no worker and changes nothing: Ctrl-C detaches and the board goes on.
 * Exit 0 when every task succeeded, 1 when any did not (as `todone run`), 130 when detached.
 */
import { resolveBoardId } from '../board-ref.js';
import { formatResult } from '../format/task-table.js';
import { DEFAULT_LINE_LIMIT } from '../progress/reporter.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { followBoard } from '../watch/follow-board.js';

export interface WatchCommandOptions {
  board: string;
  json?: boolean;
  /** Not a TTY: a summary line this often (seconds). */
  summaryEvery?: number;
  pollMs?: number;
}

export async function watchCommand(options: WatchCommandOptions, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  const session = await openSession(io);
  const log = options.json ? io.stderr : io.stdout;
  const onInterrupt = () => {
    io.stderr(
      `\nStopped watching. Board "${boardId}" goes on in Temporal: \`todone watch ${boardId}\` attaches again, \`todone cancel ${boardId}\` stops it.\n`,
    );
    // The session's connection may be mid-call: nothing of ours needs finishing, the board is Temporal's.
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    const description = await session.boards.describe(boardId);
    const state = description.status.name;
    if (state === 'RUNNING') {
      log(
        `Watching board "${boardId}" (workflow ${description.workflowId}, task queue "${description.taskQueue}"); Ctrl-C stops watching, the board goes on.\n`,
      );
    } else {
      log(`Board "${boardId}" is not running: its last run is ${state.toLowerCase().replace(/_/g, ' ')}.\n`);
      if (state !== 'COMPLETED') return 1;
    }
    const link = session.uiLink(description.workflowId);
    if (link) log(`Web UI: ${link}\n`);
    const result = await followBoard(session, io, {
      boardId,
      handle: session.boards.handle(boardId),
      progressToStderr: options.json === true,
      resumeHint: `run \`todone watch ${boardId}\` again.`,
      pollMs: options.pollMs ?? 500,
      taskQueue: description.taskQueue,
      ...(options.summaryEvery !== undefined ? { summaryEveryMs: options.summaryEvery * 1000 } : {}),
    });
    if (options.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else
      io.stdout(formatResult(result, { maxTableRows: io.diagnostics.verbose ? undefined : DEFAULT_LINE_LIMIT }) + '\n');
    return result.state === 'completed' ? 0 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    await session.close();
  }
}
