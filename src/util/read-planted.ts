/**
 * Reads a file in a folder someone else can write (a task's data folder, a draft's folder): they
 * may have put a link there to a file of yours, or a FIFO that would block the read. The file is
 * opened without following links and without blocking, must be a regular file, and only `maxBytes`
 * are read: its last ones, or those from `from` on.
 *
 * With `inside`, the file must also belong to that folder: its real path (checked on the opened
 * file itself, so a folder link swapped in before the open is caught) stays inside it, and it has
 * no other name (a hard link could give a file of yours a name in there).
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export type PlantedRead =
  | { ok: true; text: string; size: number; bytes: number; start: number }
  | { ok: false; why: 'missing' | 'link' | 'not-a-file' | 'outside' | 'other-names' };

export interface PlantedReadOptions {
  /** Read from this byte on instead of the tail (past the end: the tail). */
  from?: number;
  /** The folder the file must belong to. */
  inside?: string;
}

export async function readPlantedFile(
  file: string,
  maxBytes: number,
  options: PlantedReadOptions = {},
): Promise<PlantedRead> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, why: (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'link' : 'missing' };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, why: 'not-a-file' };
    if (options.inside !== undefined) {
      if (!(await isInsideNow(file, info, options.inside))) return { ok: false, why: 'outside' };
      if (info.nlink !== 1) return { ok: false, why: 'other-names' };
    }
    const { from } = options;
    const start = from === undefined || from > info.size ? Math.max(0, info.size - maxBytes) : from;
    const length = Math.min(maxBytes, info.size - start);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    // A cut may fall inside a character: the replacement character marks it.
    return { ok: true, text: buffer.toString('utf8', 0, bytesRead), size: info.size, bytes: bytesRead, start };
  } finally {
    await handle.close();
  }
}

/** The opened file is the one at its real path now, and that path is inside `folder`'s real path. */
async function isInsideNow(file: string, opened: { dev: number; ino: number }, folder: string): Promise<boolean> {
  try {
    const [real, root] = await Promise.all([fs.realpath(file), fs.realpath(folder)]);
    const relative = path.relative(root, real);
    if (relative === '' || relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
      return false;
    const now = await fs.lstat(real);
    return now.dev === opened.dev && now.ino === opened.ino;
  } catch {
    return false;
  }
}
