/**
 * The result cache's store on a real folder: entries round-trip; a truncated, altered, swapped or
 * unreadable record is never used and says why; the least recently used go past the size limit;
 * clear empties it; with a payload key nothing of an entry is readable on disk.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileCacheBackend } from '../../activities/cache/backends.js';
import { parseSize } from '../../activities/cache/open-store.js';
import { CacheStore, MAX_ENTRY_BYTES, type CacheEntry } from '../../activities/cache/store.js';
import { AesGcmPayloadCodec } from '../../temporal/payload-codec.js';

const made: string[] = [];
afterAll(async () => Promise.all(made.map((dir) => fs.rm(dir, { recursive: true, force: true }))));

async function store(options: Partial<ConstructorParameters<typeof CacheStore>[1]> = {}) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cache-store-'));
  made.push(root);
  return { root, store: new CacheStore(new FileCacheBackend(root), { maxBytes: 2 ** 30, ...options }) };
}

const key = (n: number) => n.toString(16).padStart(64, '0');

function entry(k: string, extra: Partial<CacheEntry> = {}): CacheEntry {
  return {
    key: k,
    createdAt: 1_000,
    boardId: 'board',
    taskId: 'task',
    agent: 'shell',
    outcome: {
      exitCode: 0,
      durationMs: 1234,
      summary: 'did it',
      output: { n: 1 },
      usage: { inputTokens: 9, outputTokens: 1 },
    },
    ...extra,
  };
}

const file = (root: string, kind: 'keys' | 'entries', hash: string) => path.join(root, kind, hash.slice(0, 2), hash);
async function entryHash(root: string, k: string): Promise<string> {
  return (JSON.parse(await fs.readFile(file(root, 'keys', k), 'utf8')) as { entry: string }).entry;
}

describe('the cache store', () => {
  it('gives back what was stored, patch bytes and all, and nothing for an unknown key', async () => {
    const { store: s } = await store();
    const patch = Buffer.concat([Buffer.from('diff --git a/x b/x\n'), randomBytes(1000)]);
    expect(await s.put(entry(key(1), { patch }))).toBe(true);
    const found = await s.get(key(1));
    expect(found).toEqual({ entry: entry(key(1), { patch }) });
    expect(await s.get(key(2))).toBeUndefined();
    await expect(s.get('../../etc/passwd')).rejects.toThrow(/not a cache key/);
  });

  it('never uses an entry that was truncated, altered, swapped for another key, or whose record is garbage', async () => {
    const { root, store: s } = await store();
    await s.put(entry(key(1)));
    await s.put(entry(key(2), { summary: 'other' } as Partial<CacheEntry>));
    const one = file(root, 'entries', await entryHash(root, key(1)));
    const original = await fs.readFile(one);

    await fs.writeFile(one, original.subarray(0, original.length - 5));
    expect(await s.get(key(1))).toEqual({ damaged: 'its entry does not match its hash (truncated or altered)' });
    const altered = Buffer.from(original);
    altered.writeUInt8(altered.readUInt8(20) ^ 1, 20);
    await fs.writeFile(one, altered);
    expect(await s.get(key(1))).toEqual({ damaged: 'its entry does not match its hash (truncated or altered)' });

    // Key 1's record pointed at key 2's (sound) entry: caught by the key the entry names.
    await fs.writeFile(one, original);
    const record = JSON.parse(await fs.readFile(file(root, 'keys', key(1)), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(file(root, 'keys', key(1)), JSON.stringify({ ...record, entry: await entryHash(root, key(2)) }));
    expect(await s.get(key(1))).toEqual({ damaged: 'its entry was stored for another key' });

    await fs.writeFile(file(root, 'keys', key(1)), '{"v": 1, "key": "nonsense"');
    expect(await s.get(key(1))).toEqual({ damaged: 'its index record is unreadable or names another key' });
    await fs.rm(file(root, 'entries', await entryHash(root, key(2))));
    expect(await s.get(key(2))).toEqual({ damaged: 'its entry is missing from the store' });

    // prune clears what cannot be used; the sound entry of key 1 no record names any more goes too,
    // once it is older than a put in progress could be.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(one, hourAgo, hourAgo);
    const pruned = await s.prune();
    expect(pruned.damaged).toBe(2);
    expect(await s.list()).toEqual([]);
    expect(await fs.readdir(path.join(root, 'entries'), { recursive: true })).not.toContainEqual(
      expect.stringMatching(/[0-9a-f]{64}$/),
    );
  });

  it('keeps an entry no record names yet: another put may be between writing it and its record', async () => {
    const { root, store: s } = await store();
    await s.put(entry(key(3)));
    const written = file(root, 'entries', await entryHash(root, key(3)));
    // As a concurrent put leaves it for a moment: its entry written, its index record not yet.
    const record = await fs.readFile(file(root, 'keys', key(3)));
    await fs.rm(file(root, 'keys', key(3)));
    await s.prune();
    await expect(fs.access(written)).resolves.toBeUndefined();
    await fs.writeFile(file(root, 'keys', key(3)), record);
    expect(await s.get(key(3))).toHaveProperty('entry');
  });

  it('lets the least recently used go past the size limit, a hit counting as a use', async () => {
    const { root, store: s } = await store({ evictEveryMs: 0, maxBytes: 12_000 });
    const patch = randomBytes(3_000);
    for (const n of [1, 2, 3]) {
      await s.put(entry(key(n), { patch }));
      // Distinct times: the file store's clock is the records' modification time.
      await fs.utimes(file(root, 'keys', key(n)), new Date(n * 1_000_000), new Date(n * 1_000_000));
    }
    // Key 1 was read: it is the most recently used now, and key 2 the least.
    expect(await s.get(key(1))).toHaveProperty('entry');
    await s.put(entry(key(4), { patch }));
    const left = (await s.list()).map((l) => l.key);
    expect(left).not.toContain(key(2));
    expect(left).toContain(key(1));
    expect(left).toContain(key(4));
    expect(left).toHaveLength(3);

    expect(await s.clear()).toBe(3);
    expect(await s.list()).toEqual([]);
  });

  it('lists what each entry spared, most recently used first', async () => {
    const { store: s } = await store();
    await s.put(entry(key(7)));
    expect(await s.list()).toEqual([
      expect.objectContaining({
        key: key(7),
        boardId: 'board',
        taskId: 'task',
        savedMs: 1234,
        usage: { inputTokens: 9, outputTokens: 1 },
      }),
    ]);
  });

  it('keeps nothing readable on disk with a payload key, and refuses an entry above the size limit', async () => {
    const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);
    const { root, store: s } = await store({ codec });
    const secret = 'the output of a private repository';
    await s.put(entry(key(1), { outcome: { summary: secret }, patch: Buffer.from(`+${secret}\n`) }));
    const stored = await fs.readFile(file(root, 'entries', await entryHash(root, key(1))));
    expect(stored.toString('latin1')).not.toContain('private repository');
    expect(await s.get(key(1))).toMatchObject({ entry: { outcome: { summary: secret } } });
    // Another key cannot read it.
    const other = new CacheStore(new FileCacheBackend(root), {
      maxBytes: 2 ** 30,
      codec: new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]),
    });
    const unreadable = await other.get(key(1));
    expect(unreadable && 'damaged' in unreadable ? unreadable.damaged : unreadable).toMatch(/cannot be read/);

    const { store: plain } = await store();
    expect(await plain.put(entry(key(2), { patch: Buffer.alloc(MAX_ENTRY_BYTES + 1) }))).toBe(false);
    expect(await plain.get(key(2))).toBeUndefined();
  });

  it('reads sizes as people write them', () => {
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('500MB')).toBe(500 * 2 ** 20);
    expect(parseSize('1.5 gb')).toBe(1.5 * 2 ** 30);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseSize('-1GB')).toBeUndefined();
  });
});
