/**
 * What a request to the web board's API names, its ids checked with the board's id rule
 * (src/core/rules.ts) before anything uses them: a board or task id from a URL reaches Temporal
 * and file paths, so `%2F`, `..`, NUL, an overlong or a non-ASCII look-alike id is refused here
 * with 400, naming the field.
 */
import { unsafeIdReason } from '../core/rules.js';
import { BOARD_ACTIONS, TASK_ACTIONS, type BoardAction, type TaskAction } from './actions.js';
import { HttpError } from '../server/http-json.js';

export type ApiRoute =
  | { kind: 'boards'; state?: BoardStateFilter; name?: string }
  | { kind: 'picture'; boardId: string }
  | { kind: 'events'; boardId: string }
  | { kind: 'log'; boardId: string; taskId: string; offset?: number }
  | { kind: 'board-action'; boardId: string; action: BoardAction }
  | { kind: 'task-action'; boardId: string; taskId: string; action: TaskAction };

export const BOARD_STATE_FILTERS = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'closed'] as const;
export type BoardStateFilter = (typeof BOARD_STATE_FILTERS)[number];

const NAME_FILTER_MAX = 200;

/** `url` is the request's URL, path still percent-encoded. */
export function apiRoute(method: string | undefined, url: URL): ApiRoute {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeSegment);
  if (parts[0] !== 'api' || parts[1] !== 'boards') throw notFound();
  const [, , board, what, task, taskWhat, ...rest] = parts;
  if (rest.length > 0) throw notFound();
  if (method === 'GET') {
    if (board === undefined) return { kind: 'boards', ...listFilters(url.searchParams) };
    const boardId = checkedId('board id', board);
    if (what === 'picture' && task === undefined) return { kind: 'picture', boardId };
    if (what === 'events' && task === undefined) return { kind: 'events', boardId };
    if (what === 'tasks' && task !== undefined && taskWhat === 'log') {
      const offset = offsetParam(url.searchParams.get('offset'));
      return { kind: 'log', boardId, taskId: checkedId('task id', task), offset };
    }
    throw notFound();
  }
  if (method === 'POST' && board !== undefined && what !== undefined) {
    const boardId = checkedId('board id', board);
    if (what === 'tasks' && task !== undefined && taskWhat !== undefined && TASK_ACTIONS.includes(taskWhat))
      return { kind: 'task-action', boardId, taskId: checkedId('task id', task), action: taskWhat as TaskAction };
    if (task === undefined && BOARD_ACTIONS.includes(what))
      return { kind: 'board-action', boardId, action: what as BoardAction };
  }
  throw notFound();
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'the path is not valid percent-encoding');
  }
}

function checkedId(field: 'board id' | 'task id', id: string): string {
  const reason = unsafeIdReason(id);
  // The reason quotes the id: a NUL or a control character shows escaped, never raw.
  if (reason) throw new HttpError(400, `${field}: ${reason}`);
  return id;
}

function listFilters(params: URLSearchParams): { state?: BoardStateFilter; name?: string } {
  const state = params.get('state') || undefined;
  if (state !== undefined && !(BOARD_STATE_FILTERS as readonly string[]).includes(state))
    throw new HttpError(400, `state: must be one of ${BOARD_STATE_FILTERS.join(', ')}`);
  const name = params.get('name') || undefined;
  if (name !== undefined && name.length > NAME_FILTER_MAX)
    throw new HttpError(400, `name: at most ${NAME_FILTER_MAX} characters`);
  return { state: state as BoardStateFilter | undefined, name };
}

function offsetParam(value: string | null): number | undefined {
  if (value === null) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new HttpError(400, 'offset: must be a whole number of bytes (0 or more)');
  return Number(value);
}

function notFound(): HttpError {
  return new HttpError(404, 'not found');
}
