/**
 * A task's log, read where the server runs: the path its status names, or, while its attempt runs,
 * the newest `attempt-<n>.log` in its data folder. The log lives on the machine whose worker ran the
 * attempt; on any other machine the answer says so instead of showing nothing.
 *
 * A task may have written into its data folder, so nothing read here is taken on trust: the ids
 * must be safe ids, the file must sit in the task's data folder, and what is opened must be a
 * regular file with one name whose real path stays inside the data folder (checked on the opened
 * file itself, so a link swapped in between the check and the open is caught too).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { unsafeIdReason } from '../core/rules.js';
import { taskDataDir } from '../data-dir.js';
import { readPlantedFile } from '../util/read-planted.js';

/** The most a single read returns: a tail, not the whole of a 30 MB log. */
export const MAX_LOG_BYTES = 64 * 1024;

export type LogTail =
  | { found: true; path: string; size: number; offset: number; text: string }
  | { found: false; path?: string; message: string };

export interface TaskLogQuery {
  /** Todone's data folder on this machine. */
  home: string;
  boardId: string;
  taskId: string;
  /** The log the task's status names (written by the worker that ran its last attempt). */
  statusPath?: string;
  /** Read from here on (bounded); without it, the last MAX_LOG_BYTES. */
  offset?: number;
}

export async function readTaskLog(query: TaskLogQuery): Promise<LogTail> {
  const file = await logPathFor(query.home, query.boardId, query.taskId, query.statusPath);
  if (!file)
    return {
      found: false,
      message:
        'no log yet: the task has not started an attempt on this machine (a worker on another machine keeps its log there)',
    };
  const dir = taskDataDir(query.home, query.boardId, query.taskId);
  if (!isInside(dir, path.resolve(file)) || !file.endsWith('.log'))
    return {
      found: false,
      path: file,
      message: `the log ${file} is not in this server's data folder (${query.home}): the worker that ran this attempt keeps it`,
    };
  return readInside(file, query.home, query.offset);
}

/**
 * The log to read: the one the task's status names, or the newest `attempt-<n>.log` in its data
 * folder. The ids must be safe ids: they become a path here.
 */
export async function logPathFor(
  home: string,
  boardId: string,
  taskId: string,
  statusPath: string | undefined,
): Promise<string | undefined> {
  for (const [field, id] of [
    ['board id', boardId],
    ['task id', taskId],
  ] as const) {
    const reason = unsafeIdReason(id);
    if (reason) throw new RangeError(`${field}: ${reason}`);
  }
  if (statusPath) return statusPath;
  const dir = taskDataDir(home, boardId, taskId);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const attempts = names
    .map((name) => /^attempt-(\d{1,9})\.log$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return attempts[0] ? path.join(dir, attempts[0][0]) : undefined;
}

async function readInside(file: string, home: string, offset: number | undefined): Promise<LogTail> {
  const read = await readPlantedFile(file, MAX_LOG_BYTES, { from: offset, inside: home });
  if (read.ok) return { found: true, path: file, size: read.size, offset: read.start + read.bytes, text: read.text };
  if (read.why === 'missing')
    return {
      found: false,
      path: file,
      message: `the log ${file} is not on this machine: the worker that ran this attempt has it`,
    };
  return { found: false, path: file, message: `refused to read the log ${file}: ${REFUSALS[read.why]}` };
}

const REFUSALS = {
  link: 'it is a link',
  'not-a-file': 'it is not a regular file',
  outside: 'its real path is outside the data folder',
  'other-names': 'it has other names (hard links)',
} as const;

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}
