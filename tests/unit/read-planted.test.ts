import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPlantedFile } from '../../src/util/read-planted.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-planted-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('reading a file someone else could plant', () => {
  it('reads the end of a regular file, bounded', async () => {
    await fs.writeFile(path.join(dir, 'log'), 'head\n' + 'x'.repeat(100) + '\ntail\n');
    const read = await readPlantedFile(path.join(dir, 'log'), 10);
    expect(read).toEqual({ ok: true, text: 'xxxx\ntail\n', size: 111, bytes: 10 });
  });

  it('refuses a link to a file elsewhere, without reading it', async () => {
    await fs.writeFile(path.join(dir, 'secret'), 'TOP-SECRET');
    await fs.symlink(path.join(dir, 'secret'), path.join(dir, 'linked'));
    expect(await readPlantedFile(path.join(dir, 'linked'), 1_000)).toEqual({ ok: false, why: 'link' });
  });

  it('does not block on a FIFO, or read a folder', async () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    expect(await readPlantedFile(path.join(dir, 'fifo'), 1_000)).toEqual({ ok: false, why: 'not-a-file' });
    expect(await readPlantedFile(dir, 1_000)).toEqual({ ok: false, why: 'not-a-file' });
    expect(await readPlantedFile(path.join(dir, 'missing'), 1_000)).toEqual({ ok: false, why: 'missing' });
  });
});
