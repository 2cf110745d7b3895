/**
 * Steering a running board from any terminal: `todone retry`, `add`, `pause`, `resume`, `set`.
 * Each is a Workflow Update: the board answers with what it did, or refuses with the reason and
 * changes nothing.
 */
import path from 'node:path';
import fs from 'node:fs';
import { loadAddedTasks } from '../../board/load-added.js';
import { todoneHome } from '../../data-dir.js';
import { InvalidInputError } from '../../errors.js';
import { resolveBoardId } from '../board-ref.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';

export async function retryCommand(options: { board: string; tasks: string[] }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  return withBoards(io, async (boards) => {
    const { retried, revived } = await boards.retryTasks(boardId, options.tasks);
    io.stdout(
      `Retrying ${retried.join(', ')} on board "${boardId}" with fresh attempts.${revived.length ? ` Revived: ${revived.join(', ')}.` : ''}\n`,
    );
    return 0;
  });
}

export async function addCommand(options: { board: string; file: string }, io: CommandIO): Promise<number> {
  const boardFile = path.resolve(io.cwd, options.board);
  if (!fs.existsSync(boardFile)) {
    throw new InvalidInputError(options.board, [
      {
        path: '',
        message:
          "todone add needs the board file, not only its id: the added tasks take the board's defaults (agents, retry, repository)",
      },
    ]);
  }
  const { board, tasks } = await loadAddedTasks(boardFile, path.resolve(io.cwd, options.file), {
    home: todoneHome(io.env),
  });
  return withBoards(io, async (boards) => {
    const { added } = await boards.addTasks(board.id, tasks);
    io.stdout(
      `Added ${added.length} task${added.length === 1 ? '' : 's'} to board "${board.id}": ${added.join(', ')}.\n`,
    );
    return 0;
  });
}

export async function pauseCommand(options: { board: string }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  return withBoards(io, async (boards) => {
    await boards.pause(boardId);
    io.stdout(
      `Board "${boardId}" paused: no new task starts; running tasks finish. \`todone resume ${options.board}\` goes on.\n`,
    );
    return 0;
  });
}

export async function resumeCommand(options: { board: string }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  return withBoards(io, async (boards) => {
    await boards.resume(boardId);
    io.stdout(`Board "${boardId}" resumed: tasks start again.\n`);
    return 0;
  });
}

export async function setCommand(options: { board: string; maxParallel?: number }, io: CommandIO): Promise<number> {
  if (options.maxParallel === undefined)
    throw new InvalidInputError('todone set', [{ path: '', message: 'nothing to set: give --max-parallel N' }]);
  const boardId = await resolveBoardId(options.board, io.cwd);
  const maxParallel = options.maxParallel;
  return withBoards(io, async (boards) => {
    await boards.setMaxParallel(boardId, maxParallel);
    io.stdout(`Board "${boardId}" now runs up to ${maxParallel} task${maxParallel === 1 ? '' : 's'} at once.\n`);
    return 0;
  });
}

/** Runs `fn` with a session's BoardClient, closing the session after. */
export async function withBoards(
  io: CommandIO,
  fn: (boards: Awaited<ReturnType<typeof openSession>>['boards']) => Promise<number>,
): Promise<number> {
  const session = await openSession(io);
  try {
    return await fn(session.boards);
  } finally {
    await session.close();
  }
}

export async function breakCommand(options: { board: string; task: string }, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  return withBoards(io, async (boards) => {
    await boards.setBreakpoint(boardId, options.task);
    io.stdout(
      `Board "${boardId}" will pause before "${options.task}" starts; \`todone resume ${options.board}\` goes on.\n`,
    );
    return 0;
  });
}
