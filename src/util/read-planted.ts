/**
 * Reads a file in a folder someone else can write (a task's data folder, a draft's folder): they
 * may have put a link there to a file of yours, or a FIFO that would block the read. The file is
 * opened without following links and without blocking, must be a regular file, and only its last
 * `maxBytes` are read.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';

export type PlantedRead =
  { ok: true; text: string; size: number; bytes: number } | { ok: false; why: 'missing' | 'link' | 'not-a-file' };

export async function readPlantedFile(file: string, maxBytes: number): Promise<PlantedRead> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, why: (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'link' : 'missing' };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, why: 'not-a-file' };
    const length = Math.min(maxBytes, info.size);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, info.size - length);
    // A cut may fall inside a character: the replacement character marks it.
    return { ok: true, text: buffer.toString('utf8'), size: info.size, bytes: length };
  } finally {
    await handle.close();
  }
}
