/**
 * Tasks to add to a running board (`todone add board.yaml more.yaml`): the new file holds tasks in
 * the board file's own schema (a list, or a mapping with `tasks:`). They are normalised together
 * with the board, so they take its defaults (agent by type, retry, timeouts, repository) and get
 * every check the loader makes, reported against the new file's own paths and lines.
 */
import path from 'node:path';
import type { BoardSpec, TaskSpec } from '../core/board.js';
import { InvalidInputError } from '../errors.js';
import type { PathSegment } from './format.js';
import { normaliseBoard, type LoadOptions } from './load.js';
import { parseBoardText, readBoardFile, type Locate } from './parse.js';

export interface AddedTasks {
  board: BoardSpec;
  tasks: TaskSpec[];
}

export async function loadAddedTasks(
  boardFile: string,
  tasksFile: string,
  opts: LoadOptions = {},
): Promise<AddedTasks> {
  return addedTasksFrom(await readBoardFile(boardFile), await readBoardFile(tasksFile), opts);
}

/**
 * The same from text already in hand (an MCP client sends the tasks themselves): `display` names
 * each source in messages, and the added text is read as YAML (which reads JSON too) unless its
 * name ends in .json.
 */
export function addedTasksFrom(
  boardSource: { absolute: string; display: string; text: string },
  addedSource: { display: string; text: string },
  opts: LoadOptions = {},
): AddedTasks {
  const parsedBoard = parseBoardText(boardSource.text, boardSource.display);
  const parsedAdded = parseBoardText(addedSource.text, addedSource.display);

  const listed = Array.isArray(parsedAdded.value);
  const added: unknown = listed ? parsedAdded.value : (parsedAdded.value as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(added)) {
    throw new InvalidInputError(addedSource.display, [
      { path: listed ? '' : 'tasks', message: 'expected a list of tasks (or a mapping with tasks: [...])' },
    ]);
  }
  const boardRaw = parsedBoard.value as { tasks?: unknown };
  const existing = Array.isArray(boardRaw?.tasks) ? (boardRaw.tasks as unknown[]) : [];
  const offset = existing.length;
  const combined = { ...(boardRaw as object), tasks: [...existing, ...(added as unknown[])] };

  // A problem of an added task points into the new file; anything else into the board file.
  const inAdded = (at: readonly PathSegment[]): PathSegment[] | undefined => {
    if (at[0] !== 'tasks' || typeof at[1] !== 'number' || at[1] < offset) return undefined;
    const rest = at.slice(2);
    return listed ? [at[1] - offset, ...rest] : ['tasks', at[1] - offset, ...rest];
  };
  const locate: Locate = (at) => {
    const own = inAdded(at);
    return own ? parsedAdded.locate(own) : parsedBoard.locate(at);
  };

  let board: BoardSpec;
  try {
    board = normaliseBoard(combined, {
      ...opts,
      source: addedSource.display,
      baseDir: path.dirname(boardSource.absolute),
      locate,
      checkWorkdir: true,
    });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    const issues = error.issues.map((issue) => ({
      path: renumber(issue.path, offset, listed),
      message: issue.message.replace(/\(first used at tasks\[(\d+)\]\)/, (_, first: string) =>
        Number(first) < offset
          ? '(already on the board)'
          : `(first used at ${renumber(`tasks[${first}]`, offset, listed)})`,
      ),
    }));
    throw new InvalidInputError(`${addedSource.display} (tasks to add to ${boardSource.display})`, issues, error.more);
  }
  return { board: { ...board, tasks: board.tasks.slice(0, offset) }, tasks: board.tasks.slice(offset) };
}

/** `tasks[7].agent` of the combined board is `tasks[2].agent` (or `[2].agent`) of the new file. */
function renumber(where: string, offset: number, listed: boolean): string {
  return where.replace(/^tasks\[(\d+)\]/, (whole, index: string) => {
    const n = Number(index);
    if (n < offset) return whole;
    return listed ? `[${n - offset}]` : `tasks[${n - offset}]`;
  });
}
