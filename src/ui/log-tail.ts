/**
 * A task's log, read where the server runs: the path its status names, or, while its attempt runs,
 * the newest `attempt-<n>.log` in its data folder. The log lives on the machine whose worker ran the
 * attempt; on any other machine the answer says so instead of showing nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { taskDataDir } from '../data-dir.js';

/** The most a single read returns: a tail, not the whole of a 30 MB log. */
export const MAX_LOG_BYTES = 64 * 1024;

export type LogTail =
  | { found: true; path: string; size: number; offset: number; text: string }
  | { found: false; path?: string; message: string };

export async function logPathFor(
  home: string,
  boardId: string,
  taskId: string,
  statusPath: string | undefined,
): Promise<string | undefined> {
  if (statusPath) return statusPath;
  const dir = taskDataDir(home, boardId, taskId);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const attempts = names
    .map((name) => /^attempt-(\d+)\.log$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  return attempts[0] ? path.join(dir, attempts[0][0]) : undefined;
}

/** From `offset` on (bounded), or the last MAX_LOG_BYTES when no offset is given. */
export async function readLogTail(file: string | undefined, offset?: number): Promise<LogTail> {
  if (!file)
    return {
      found: false,
      message:
        'no log yet: the task has not started an attempt on this machine (a worker on another machine keeps its log there)',
    };
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return {
      found: false,
      path: file,
      message: `the log ${file} is not on this machine: the worker that ran this attempt has it`,
    };
  }
  try {
    const { size } = await handle.stat();
    const start = offset === undefined || offset > size ? Math.max(0, size - MAX_LOG_BYTES) : offset;
    const length = Math.min(MAX_LOG_BYTES, size - start);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    return { found: true, path: file, size, offset: start + length, text: buffer.toString('utf8') };
  } finally {
    await handle.close();
  }
}
