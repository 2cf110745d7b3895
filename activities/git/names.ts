/**
 * Every name the git layer derives from a board and a task: branches, worktree folders and the
 * commit trailers that make a commit recognisable as a task's (for idempotency checks). Deterministic,
 * so a retried activity finds what an earlier attempt made.
 */
import path from 'node:path';
import { isSafeId } from '../../src/core/board.js';
import { GitConfigError } from './errors.js';

export const BRANCH_ROOT = 'todone';
const INTEGRATION = 'integration';

export const TRAILER_BOARD = 'Todone-Board';
export const TRAILER_TASK = 'Todone-Task';
/** On integration commits: the task commit they bring in, so a re-run of the same task id is told apart. */
export const TRAILER_COMMIT = 'Todone-Commit';
/** On a remote board's task commits: when the run that made it was leased (see CommitInput.leasedAt). */
export const TRAILER_LEASED = 'Todone-Leased';

export function assertBoardId(boardId: string): void {
  if (!isSafeId(boardId)) throw new GitConfigError(`${JSON.stringify(boardId)} is not a safe board id`);
}

/**
 * Ids become branch names and folder names, so only safe ids get this far (the board validator
 * enforces it too). `integration` would collide with the board's integration branch.
 */
export function assertTaskId(taskId: string): void {
  if (!isSafeId(taskId)) throw new GitConfigError(`${JSON.stringify(taskId)} is not a safe task id`);
  if (taskId.toLowerCase() === INTEGRATION) {
    throw new GitConfigError(
      `a task cannot be called "${taskId}" in a board with a repository: the integration branch uses that name`,
    );
  }
}

export function boardBranchPrefix(boardId: string): string {
  assertBoardId(boardId);
  return `${BRANCH_ROOT}/${boardId}/`;
}

export function taskBranch(boardId: string, taskId: string): string {
  assertTaskId(taskId);
  return `${boardBranchPrefix(boardId)}${taskId}`;
}

/** A branch of this board's (a task's, a candidate's, the integration branch), checked: it may reach a refspec. */
export function boardBranch(boardId: string, branch: string): string {
  const prefix = boardBranchPrefix(boardId);
  const rest = branch.startsWith(prefix) ? branch.slice(prefix.length) : undefined;
  if (rest === undefined || !isSafeId(rest))
    throw new GitConfigError(`${JSON.stringify(branch)} is not a branch of board ${boardId} (${prefix}<task>)`);
  return branch;
}

export function integrationBranch(boardId: string): string {
  return `${boardBranchPrefix(boardId)}${INTEGRATION}`;
}

export function taskWorktreePath(root: string, taskId: string): string {
  assertTaskId(taskId);
  return path.join(root, 'tasks', taskId);
}

export function poolSlotPath(root: string, slot: number): string {
  if (!Number.isInteger(slot) || slot < 0) throw new GitConfigError(`pool slot ${slot} is not a whole number >= 0`);
  return path.join(root, 'pool', `slot-${slot}`);
}

export function integrationWorktreePath(root: string): string {
  return path.join(root, INTEGRATION);
}

export interface TaskTrailers {
  board: string;
  task: string;
  /** Only on integration commits (merge, squash, last replayed commit of a rebase). */
  commit?: string;
  /** Only on a remote board's task commits: when their run was leased (workflow time, ms). */
  leased?: number;
}

export function formatTrailers(t: TaskTrailers): string {
  const lines = [`${TRAILER_BOARD}: ${t.board}`, `${TRAILER_TASK}: ${t.task}`];
  if (t.commit) lines.push(`${TRAILER_COMMIT}: ${t.commit}`);
  if (t.leased !== undefined) lines.push(`${TRAILER_LEASED}: ${t.leased}`);
  return lines.join('\n');
}

/** The Todone trailers of a commit message: read from its last paragraph only, as git does. */
export function parseTrailers(message: string): Partial<TaskTrailers> {
  const paragraphs = message
    .replace(/\r\n/g, '\n')
    .trim()
    .split(/\n\s*\n/);
  const last = paragraphs.length > 1 ? (paragraphs[paragraphs.length - 1] ?? '') : '';
  const found: Partial<TaskTrailers> = {};
  for (const line of last.split('\n')) {
    const match = /^([A-Za-z0-9-]+):\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    const [, key = '', value = ''] = match;
    if (key === TRAILER_BOARD) found.board = value;
    else if (key === TRAILER_TASK) found.task = value;
    else if (key === TRAILER_COMMIT) found.commit = value;
    else if (key === TRAILER_LEASED && /^\d+$/.test(value)) found.leased = Number(value);
  }
  return found;
}

/**
 * `message` with the given trailers in its last paragraph: appended to an existing trailer block
 * (e.g. a task commit's own), or as a new paragraph. Trailers already present are not repeated.
 */
export function withTrailers(message: string, t: TaskTrailers): string {
  const text = message.replace(/\r\n/g, '\n').trimEnd();
  const present = parseTrailers(text);
  const missing = formatTrailers(t)
    .split('\n')
    .filter((line) => {
      const key = line.slice(0, line.indexOf(':'));
      const value = line.slice(line.indexOf(':') + 2);
      if (key === TRAILER_BOARD) return present.board !== value;
      if (key === TRAILER_TASK) return present.task !== value;
      return present.commit !== value;
    });
  if (missing.length === 0) return `${text}\n`;
  const lastParagraph = text.split(/\n\s*\n/).pop() ?? '';
  const isTrailerBlock = text.includes('\n\n') && lastParagraph.split('\n').every((l) => /^[A-Za-z0-9-]+:\s/.test(l));
  return `${text}${isTrailerBlock ? '\n' : '\n\n'}${missing.join('\n')}\n`;
}

const SUBJECT_MAX = 72;

/**
 * `todone(<board>): <task>: <first line of the description>`, the whole description as the body
 * when the subject could not hold it, and the trailers. The description is free text: it only ever
 * reaches git as the content of stdin, never as part of a command line.
 */
export function taskCommitMessage(boardId: string, taskId: string, description: string, leased?: number): string {
  // NUL cannot be stored in a commit message; other control characters are harmless.
  const text = description.replace(/\0/g, '').replace(/\r\n/g, '\n').trim();
  const firstLine = (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().replace(/\s+/g, ' ');
  const prefix = `todone(${boardId}): ${taskId}`;
  const room = Math.max(20, SUBJECT_MAX - prefix.length - 2);
  const summary = firstLine.length > room ? `${firstLine.slice(0, room - 1)}…` : firstLine;
  const subject = summary ? `${prefix}: ${summary}` : prefix;
  const needsBody = text !== '' && text !== summary;
  const trailers = formatTrailers({ board: boardId, task: taskId, ...(leased !== undefined ? { leased } : {}) });
  return [subject, ...(needsBody ? [text] : []), trailers].join('\n\n') + '\n';
}

/** The merge or squash commit that brings a task commit into the integration branch. */
export function integrationCommitMessage(
  boardId: string,
  taskId: string,
  taskSha: string,
  how: 'merge' | 'squash',
  taskSubject?: string,
): string {
  const trailers = formatTrailers({ board: boardId, task: taskId, commit: taskSha });
  if (how === 'merge') return `todone(${boardId}): merge ${taskId}\n\n${trailers}\n`;
  const subject = taskSubject?.trim() || `todone(${boardId}): ${taskId}`;
  return `${subject}\n\nSquashed from ${taskBranch(boardId, taskId)} at ${taskSha}.\n\n${trailers}\n`;
}
