/**
 * A worker's data folder with a quota: a small tmpfs mounted on it (root can; the run says so and
 * leaves disk faults out when it cannot), filled to the last byte by the `disk-full` fault and
 * emptied again a few seconds later.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mounts a tmpfs of `megabytes` on `dir`; the reason it could not, or undefined when it did. */
export async function mountQuota(dir: string, megabytes: number): Promise<string | undefined> {
  await fs.mkdir(dir, { recursive: true });
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0700`, 'tmpfs', dir]);
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs on ${dir} (${firstLine(error)}): disk faults need root`;
  }
}

export async function unmountQuota(dir: string): Promise<void> {
  // Lazy: a process that still has a file open there (a worker being stopped) does not keep it mounted.
  await run('umount', ['--lazy', dir]).catch(() => undefined);
}

const FILLER = '.chaos-disk-full';

/** Writes one file that takes every free byte of `dir`'s filesystem; returns its size. */
export async function fillDisk(dir: string): Promise<number> {
  const file = path.join(dir, FILLER);
  const handle = await fs.open(file, 'w');
  const chunk = Buffer.alloc(1 << 20);
  let written = 0;
  try {
    for (;;) {
      try {
        written += (await handle.write(chunk)).bytesWritten;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
    // The last megabyte's tail: byte by byte is slow, so halve the chunk until nothing fits.
    for (let size = chunk.length >> 1; size >= 1; size >>= 1) {
      try {
        written += (await handle.write(chunk.subarray(0, size))).bytesWritten;
      } catch {
        // Did not fit: try half of it.
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return written;
}

export async function freeDisk(dir: string): Promise<void> {
  await fs.rm(path.join(dir, FILLER), { force: true });
}

function firstLine(error: unknown): string {
  const e = error as { stderr?: string; message?: string };
  return (e.stderr || e.message || String(error)).trim().split('\n')[0] ?? '';
}
