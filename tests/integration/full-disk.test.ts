/**
 * A full disk under a worker (found by `npm run chaos`: a worker's data folder filled while a task
 * ran ended the whole `todone worker` process with an uncaught ENOSPC from the task's log stream).
 * /dev/full answers every write with ENOSPC, deterministically and without root.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supervise } from '../../activities/process/supervise.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-full-disk-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a task whose log cannot be written', () => {
  it('runs to its end and says why its log is incomplete, instead of ending the process', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const outcome = await supervise({
        file: '/bin/sh',
        args: ['-c', 'for i in 1 2 3 4 5; do echo "line $i of output"; done; echo done > marker'],
        cwd: dir,
        env: {},
        logPath: '/dev/full',
        pidFile: path.join(dir, 'process.json'),
        attempt: 1,
        signal: new AbortController().signal,
        progressEveryMs: 50,
        onProgress: () => undefined,
      });
      expect(outcome).toMatchObject({ kind: 'exited', exitCode: 0 });
      expect(outcome.logError).toMatch(/ENOSPC/);
      // The command itself ran whole, and its output still reached the tail.
      expect(await fs.readFile(path.join(dir, 'marker'), 'utf8')).toBe('done\n');
      expect(outcome.tail.lastLine).toBe('line 5 of output');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
