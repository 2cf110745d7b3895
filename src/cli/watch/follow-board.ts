/**
 * The live view shared by `todone run` and `todone watch`: progress from status deltas, the result
 * from its long poll, and recovery from a lost server (watchBoard), until the board ends.
 */
import type { BoardHandle } from '../../client/board-client.js';
import type { BoardResult } from '../../core/run-state.js';
import type { CommandIO } from '../io.js';
import { ProgressReporter } from '../progress/reporter.js';
import type { Session } from '../session.js';
import { watchBoard } from './board-watch.js';
import { deltaSnapshots } from './delta-snapshots.js';
import { sessionRecovery } from './session-recovery.js';

export interface FollowOptions {
  boardId: string;
  handle: BoardHandle;
  /** Progress on stderr instead of stdout (stdout holds JSON). */
  progressToStderr?: boolean;
  /** What to run to pick the board up again, for when recovery gives up. */
  resumeHint: string;
  pollMs?: number;
  /** Not a TTY: a summary line this often. */
  summaryEveryMs?: number;
  /** The board's task queue, named while no worker answers (default: the session's). */
  taskQueue?: string;
}

export async function followBoard(session: Session, io: CommandIO, options: FollowOptions): Promise<BoardResult> {
  const reporter = new ProgressReporter({
    write: options.progressToStderr ? io.stderr : io.stdout,
    isTTY: io.isTTY,
    verbose: io.diagnostics.verbose,
    ...(options.summaryEveryMs !== undefined ? { summaryEveryMs: options.summaryEveryMs } : {}),
  });
  const { boardId } = options;
  try {
    return await watchBoard({
      snapshot: deltaSnapshotsFor(session, boardId),
      result: () => options.handle.result(),
      recovery: sessionRecovery(session, {
        env: io.env,
        say: (line) => reporter.line(line),
        note: (line) => reporter.waiting(line),
        resumeHint: options.resumeHint,
      }),
      reporter,
      noWorkerMessage: `waiting for a worker on task queue "${options.taskQueue ?? session.taskQueue}"…`,
      pollMs: options.pollMs ?? 300,
    });
  } finally {
    reporter.done();
  }
}

function deltaSnapshotsFor(session: Session, boardId: string) {
  return deltaSnapshots((request) =>
    session.client.withDeadline(Date.now() + 5_000, () => session.boards.snapshot(boardId, 2_000, request)),
  );
}
