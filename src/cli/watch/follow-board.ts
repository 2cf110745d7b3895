/**
 * The live view shared by `todone run` and `todone watch`: progress from status deltas, the result
 * from its long poll, and recovery from a lost server (watchBoard), until the board ends.
 */
import type { BoardHandle, BoardSnapshot } from '../../client/board-client.js';
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

/**
 * A full snapshot (the server's description of the board, the stuck check, capability waits, then
 * the status query) at most every FULL_SNAPSHOT_MS; between them, the status query alone. Each poll
 * of a running board costs its worker and the server work: on a board of short tasks, polling at
 * full cost every 300 ms took as much as the tasks' own orchestration.
 */
function deltaSnapshotsFor(session: Session, boardId: string) {
  let last: { snapshot: BoardSnapshot; at: number } | undefined;
  return deltaSnapshots(async (request) => {
    if (
      last &&
      Date.now() - last.at < FULL_SNAPSHOT_MS &&
      last.snapshot.status &&
      !('metrics' in last.snapshot.status) &&
      // A task waiting for a capability is watched at every poll: the line saying a worker took it
      // comes from the wait list, which only a full snapshot refreshes.
      !last.snapshot.waiting?.length
    ) {
      const status = await session.boards.queryStatus(boardId, request, 2_000);
      if (status) return { ...last.snapshot, status };
    }
    const snapshot = await session.client.withDeadline(Date.now() + 5_000, () =>
      session.boards.snapshot(boardId, 2_000, request),
    );
    last = { snapshot, at: Date.now() };
    return snapshot;
  });
}

const FULL_SNAPSHOT_MS = 2_000;
