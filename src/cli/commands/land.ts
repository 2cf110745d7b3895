/**
 * `todone land <board>`: fast-forwards the board's base branch to its integration head, only when
 * every task succeeded and the base has not moved since the board started.
 */
import { land } from '../../../activities/git/land.js';
import { landRemote } from '../../../activities/git/remote.js';
import { todoneHome } from '../../data-dir.js';
import type { BoardResult } from '../../core/run-state.js';
import { resolveBoardId } from '../board-ref.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { gitConfigOf } from './git-config.js';
import { terminalText } from '../format/terminal-text.js';

export async function landCommand(options: { board: string }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  const session = await openSession(io);
  try {
    const snapshot = await session.boards.snapshot(boardId);
    if (snapshot.description.status.name !== 'COMPLETED' || !snapshot.status) {
      io.stderr(`Board "${boardId}" has not finished (${snapshot.description.status.name}): nothing to land yet.\n`);
      return 1;
    }
    return await landResult(snapshot.status as BoardResult, io);
  } finally {
    await session.close();
  }
}

/** Shared with `todone run --land`. */
export async function landResult(result: BoardResult, io: CommandIO): Promise<number> {
  const integration = result.integration;
  if (!integration) {
    io.stderr(`Board "${result.boardId}" names no repository: there is nothing to land.\n`);
    return 1;
  }
  const notDone = result.tasks.filter((t) => t.state !== 'succeeded');
  if (notDone.length > 0) {
    io.stderr(
      `Not landing board "${result.boardId}": ${notDone.length} task${notDone.length === 1 ? '' : 's'} did not succeed ` +
        `(${notDone.map((t) => `${t.id} ${t.state}`).join(', ')}). The integration branch ${integration.branch} keeps the work that did.\n`,
    );
    return 1;
  }
  const input = {
    git: gitConfigOf(integration),
    boardId: result.boardId,
    baseBranch: integration.baseBranch,
    expectedBaseSha: integration.baseSha,
    integrationHead: integration.head,
  };
  // A remote board's base is on the remote: pushed there (fast-forward only) from a clone in this machine's data folder.
  const outcome = input.git.remote !== undefined ? await landRemote(todoneHome(io.env), input) : await land(input);
  if (!outcome.landed) {
    io.stderr(`Not landing board "${result.boardId}": ${terminalText(outcome.reason)}\n`);
    return 1;
  }
  io.stdout(`Landed: ${integration.baseBranch} is now at ${outcome.head.slice(0, 12)} (from ${integration.branch}).\n`);
  return 0;
}
