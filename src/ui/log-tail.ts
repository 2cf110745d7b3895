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
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { unsafeIdReason } from '../core/rules.js';
import { taskDataDir } from '../data-dir.js';

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

// No link followed at the last step; a FIFO planted under a log's name must not block the open.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

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
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return refused(file, 'it is a link');
    return {
      found: false,
      path: file,
      message: `the log ${file} is not on this machine: the worker that ran this attempt has it`,
    };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return refused(file, 'it is not a regular file');
    if (!(await sameFileInside(file, stat, home))) return refused(file, 'its real path is outside the data folder');
    // A second name (a hard link) could be a file outside the data folder under a log's name.
    if (stat.nlink !== 1) return refused(file, 'it has other names (hard links)');
    const { size } = stat;
    const start = offset === undefined || offset > size ? Math.max(0, size - MAX_LOG_BYTES) : offset;
    const length = Math.min(MAX_LOG_BYTES, size - start);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return { found: true, path: file, size, offset: start + bytesRead, text: buffer.toString('utf8', 0, bytesRead) };
  } finally {
    await handle.close();
  }
}

/** The opened file is the one at its real path now, and that path is inside the data folder. */
async function sameFileInside(file: string, opened: { dev: number; ino: number }, home: string): Promise<boolean> {
  try {
    const [real, root] = await Promise.all([fs.realpath(file), fs.realpath(home)]);
    if (!isInside(root, real)) return false;
    const now = await fs.lstat(real);
    return now.dev === opened.dev && now.ino === opened.ino;
  } catch {
    return false;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

function refused(file: string, why: string): LogTail {
  return { found: false, path: file, message: `refused to read the log ${file}: ${why}` };
}
