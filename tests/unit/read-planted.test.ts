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
    expect(read).toEqual({ ok: true, text: 'xxxx\ntail\n', size: 111, bytes: 10, start: 101 });
    expect(await readPlantedFile(path.join(dir, 'log'), 4, { from: 1 })).toMatchObject({ text: 'ead\n', start: 1 });
    // Past the end: the tail, so a reader whose file was replaced by a shorter one starts over.
    expect(await readPlantedFile(path.join(dir, 'log'), 5, { from: 500 })).toMatchObject({
      text: 'tail\n',
      start: 106,
    });
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

  it('with a folder it must belong to, refuses a file reached through a linked folder, or with a second name', async () => {
    const folder = path.join(dir, 'data');
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.mkdir(path.join(folder, 'task'), { recursive: true });
    await fs.mkdir(elsewhere);
    await fs.writeFile(path.join(elsewhere, 'log'), 'TOP-SECRET');
    await fs.writeFile(path.join(folder, 'task', 'log'), 'mine');
    expect(await readPlantedFile(path.join(folder, 'task', 'log'), 100, { inside: folder })).toMatchObject({
      ok: true,
      text: 'mine',
    });
    await fs.symlink(elsewhere, path.join(folder, 'linked-task'));
    expect(await readPlantedFile(path.join(folder, 'linked-task', 'log'), 100, { inside: folder })).toEqual({
      ok: false,
      why: 'outside',
    });
    await fs.link(path.join(elsewhere, 'log'), path.join(folder, 'task', 'hard'));
    expect(await readPlantedFile(path.join(folder, 'task', 'hard'), 100, { inside: folder })).toEqual({
      ok: false,
      why: 'other-names',
    });
    // Without a folder to belong to, the same hard link reads (a draft's folder asks no more).
    expect(await readPlantedFile(path.join(folder, 'task', 'hard'), 100)).toMatchObject({ ok: true });
  });
});
