/**
 * `todone clean <board>`: removes the board's worktrees and task branches; `--all` also removes the
 * integration branch. Refuses while the board is running. `todone clean --finished` sweeps every
 * finished board instead, the way a worker does at its start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cleanBoard } from '../../../activities/git/cleanup.js';
import { cleanRemoteBranches, onThisWorker } from '../../../activities/git/remote.js';
import { loadBoardFile } from '../../board/load.js';
import type { BoardGitConfig } from '../../core/board.js';
import type { BoardResult } from '../../core/run-state.js';
import { todoneHome } from '../../data-dir.js';
import { NotFoundError, TodoneError } from '../../errors.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { sweepFinishedBoards } from '../../../worker/sweep.js';
import { gitConfigOf } from './git-config.js';

export interface CleanCommandOptions {
  board?: string;
  all?: boolean;
  /** Every finished board, instead of one: leftover worktrees go, those kept for inspection stay. */
  finished?: boolean;
}

export async function cleanCommand(options: CleanCommandOptions, io: CommandIO): Promise<number> {
  if (options.finished) {
    if (options.board !== undefined || options.all)
      throw usage('`todone clean --finished` takes no board and no --all.');
    return cleanFinished(io);
  }
  if (options.board === undefined) throw usage('name a board to clean, or use --finished for every finished board.');
  const file = path.resolve(io.cwd, options.board);
  const fromFile = fs.existsSync(file) ? await loadBoardFile(file, { home: todoneHome(io.env) }) : undefined;
  const boardId = fromFile?.id ?? options.board;
  const session = await openSession(io);
  let git: BoardGitConfig | undefined = fromFile?.git;
  try {
    const snapshot = await session.boards.snapshot(boardId).catch((error: unknown) => {
      if (error instanceof NotFoundError && git) return undefined;
      throw error;
    });
    if (snapshot?.description.status.name === 'RUNNING') {
      io.stderr(`Board "${boardId}" is still running: cancel it first (\`todone cancel ${boardId}\`).\n`);
      return 1;
    }
    const integration = (snapshot?.status as BoardResult | undefined)?.integration;
    git ??= integration ? gitConfigOf(integration) : undefined;
  } finally {
    await session.close();
  }
  if (!git) {
    io.stderr(`Board "${boardId}" names no repository: it has no worktrees or branches to clean.\n`);
    return 1;
  }
  const removed =
    git.remote !== undefined
      ? await cleanRemote(git, boardId, Boolean(options.all), io)
      : await cleanBoard({ git, boardId, all: Boolean(options.all) });
  io.stdout(
    `Removed ${removed.removedWorktrees.length} worktree${removed.removedWorktrees.length === 1 ? '' : 's'} and ` +
      `${removed.deletedBranches.length} branch${removed.deletedBranches.length === 1 ? '' : 'es'} of board "${boardId}".\n`,
  );
  return 0;
}

/**
 * A remote board: its branches on the remote, and what this machine holds of it if it ran tasks
 * here too. Each worker's own worktrees go with its start-up sweep or a `todone clean` run there.
 */
async function cleanRemote(
  git: BoardGitConfig,
  boardId: string,
  all: boolean,
  io: CommandIO,
): Promise<{ removedWorktrees: string[]; deletedBranches: string[] }> {
  const home = todoneHome(io.env);
  const local = onThisWorker(home, git, boardId);
  const here = fs.existsSync(path.join(local.repo, 'HEAD'))
    ? await cleanBoard({ git: local, boardId, all })
    : { removedWorktrees: [], deletedBranches: [] };
  const deletedBranches = await cleanRemoteBranches(home, { git, boardId, all });
  return { removedWorktrees: here.removedWorktrees, deletedBranches };
}

async function cleanFinished(io: CommandIO): Promise<number> {
  const session = await openSession(io);
  try {
    const report = await sweepFinishedBoards({ home: session.home, client: session.client, log: io.stderr });
    io.stdout(
      `Removed ${report.removedWorktrees} leftover worktree${report.removedWorktrees === 1 ? '' : 's'} of ` +
        `${report.boards} finished board${report.boards === 1 ? '' : 's'}.\n`,
    );
    return 0;
  } finally {
    await session.close();
  }
}

function usage(message: string): TodoneError {
  return new TodoneError(message, 'USAGE', 2);
}
