import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { withFileLock } from '../../src/util/file-lock.js';

const dirs: string[] = [];
async function lockFile(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-lock-'));
  dirs.push(dir);
  return path.join(dir, 'the.lock');
}
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  return Number(
    execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }),
  );
}

describe('withFileLock', () => {
  it('runs callers in this process one at a time, and removes the file after', async () => {
    const file = await lockFile();
    const log: string[] = [];
    const task = (name: string) =>
      withFileLock(file, async () => {
        log.push(`${name} in`);
        await sleep(20);
        log.push(`${name} out`);
        return name;
      });
    expect(await Promise.all([task('a'), task('b'), task('c')])).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    await expect(fs.access(file)).rejects.toThrow();
  });

  it('releases on error', async () => {
    const file = await lockFile();
    await expect(withFileLock(file, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await withFileLock(file, () => Promise.resolve('next'))).toBe('next');
  });

  it('takes over a lock whose holder is dead, or that names this very process', async () => {
    const file = await lockFile();
    await fs.writeFile(file, `${deadPid()}\n`);
    expect(await withFileLock(file, () => Promise.resolve('taken'), { timeoutMs: 2_000 })).toBe('taken');
    await fs.writeFile(file, `${process.pid}\n`);
    expect(await withFileLock(file, () => Promise.resolve('leftover'), { timeoutMs: 2_000 })).toBe('leftover');
  });

  it('waits for a live holder, then gives up with the error asked for; an old lock is stale after staleAfterMs', async () => {
    const file = await lockFile();
    // The parent of this test process is alive for the whole test.
    await fs.writeFile(file, `${process.ppid}\n`);
    await expect(
      withFileLock(file, () => Promise.resolve('never'), {
        timeoutMs: 300,
        pollMs: 50,
        onTimeout: (owner) => new Error(`held by ${owner.pid}`),
      }),
    ).rejects.toThrow(`held by ${process.ppid}`);
    const old = new Date(Date.now() - 10_000);
    await fs.utimes(file, old, old);
    expect(await withFileLock(file, () => Promise.resolve('aged out'), { timeoutMs: 1_000, staleAfterMs: 5_000 })).toBe(
      'aged out',
    );
    // Taken over, so the file was ours, and went with our release.
    await expect(fs.access(file)).rejects.toThrow();
  });
});
