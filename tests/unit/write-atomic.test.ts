import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/util/write-atomic.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('never lets a reader in the middle of a write see half a file, and leaves no temporary file', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-atomic-'));
    const file = path.join(dir, 'process.json');
    const record = (n: number) => JSON.stringify({ pid: n, padding: 'x'.repeat(256 * 1024) });
    await writeFileAtomic(file, record(0));
    let writing = true;
    const writes = (async () => {
      for (let n = 1; n <= 40; n++) await writeFileAtomic(file, record(n));
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await fs.readFile(file, 'utf8');
      expect(() => JSON.parse(text) as unknown, `read ${reads}`).not.toThrow();
      reads++;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toMatchObject({ pid: 40 });
    expect(await fs.readdir(dir)).toEqual(['process.json']);
  });

  it('leaves the old file and no temporary one when the write fails', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-atomic-'));
    const file = path.join(dir, 'record.json');
    await writeFileAtomic(file, '{"old":true}');
    await fs.mkdir(path.join(dir, 'blocked'));
    await expect(writeFileAtomic(path.join(dir, 'blocked'), '{}')).rejects.toThrow();
    expect(await fs.readFile(file, 'utf8')).toBe('{"old":true}');
    expect((await fs.readdir(dir)).sort()).toEqual(['blocked', 'record.json']);
  });
});
