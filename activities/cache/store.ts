/**
 * The result cache: for each key (activities/cache/key.ts), a small index record naming an entry,
 * and the entry itself, content-addressed by the SHA-256 of the bytes stored. An entry holds what
 * the task produced (its outcome's lasting parts) and, on a git board, its change as a binary patch.
 * Everything read is verified before use: an index record that does not name its key, an entry
 * whose bytes do not match their hash (truncated, altered) or that was stored for another key, is
 * ignored and said, never used. With a payload key configured the entries are encrypted like
 * every payload. The least recently used entries go once the store outgrows its limit.
 */
import { createHash } from 'node:crypto';
import type { PayloadCodec } from '@temporalio/common';
// The proto package is CommonJS: its namespace comes in as the default export under ESM.
import proto from '@temporalio/proto';
import type { TaskOutcome } from '../../src/core/outcome.js';
import type { Usage } from '../../src/core/usage.js';
import type { CacheBackend, StoredObject } from './backends.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

/** What a hit gives back: the lasting parts of the outcome (no paths on the worker that ran it). */
export type CachedOutcome = Pick<
  TaskOutcome,
  'exitCode' | 'durationMs' | 'summary' | 'output' | 'outputTail' | 'outputBytes' | 'usage' | 'validation'
>;

export interface CacheEntry {
  key: string;
  /** Epoch ms it was stored. */
  createdAt: number;
  boardId: string;
  taskId: string;
  agent: string;
  outcome: CachedOutcome;
  /** Git boards: the task's change from its start commit, as `git diff --binary` (empty: none). */
  patch?: Buffer;
}

/** The index record of a key: which entry, and enough to list it without reading the entry. */
interface IndexRecord {
  v: 1;
  key: string;
  entry: string;
  size: number;
  createdAt: number;
  boardId: string;
  taskId: string;
  agent: string;
  savedMs: number;
  usage?: Usage;
}

export interface CacheListing extends Omit<IndexRecord, 'v' | 'entry'> {
  lastUsedAt: number;
}

export type Lookup = { entry: CacheEntry } | { damaged: string } | undefined;

export interface CacheStoreOptions {
  /** The store's size limit in bytes: past it the least recently used entries go. */
  maxBytes: number;
  /** Encrypts entries (the payload codec, when a payload key is configured). */
  codec?: PayloadCodec;
  /** How often a writer checks the limit, at most (default 60 s); 0 checks after every write. */
  evictEveryMs?: number;
}

/** One entry above this is not stored: a cache is for results, not for build artefacts. */
export const MAX_ENTRY_BYTES = 256 * 2 ** 20;

const HEX64 = /^[0-9a-f]{64}$/;

export class CacheStore {
  private lastEviction = 0;

  constructor(
    readonly backend: CacheBackend,
    readonly options: CacheStoreOptions,
  ) {}

  get where(): string {
    return this.backend.where;
  }

  async get(key: string): Promise<Lookup> {
    checkKey(key);
    const indexBytes = await this.backend.get(indexName(key));
    if (indexBytes === undefined) return undefined;
    const record = parseRecord(indexBytes);
    if (!record || record.key !== key) return { damaged: 'its index record is unreadable or names another key' };
    const stored = await this.backend.get(entryName(record.entry));
    if (stored === undefined) return { damaged: 'its entry is missing from the store' };
    if (sha256(stored) !== record.entry) return { damaged: 'its entry does not match its hash (truncated or altered)' };
    let entry: CacheEntry | undefined;
    try {
      entry = decodeEntry(await this.decrypt(stored));
    } catch (error) {
      return { damaged: `its entry cannot be read (${error instanceof Error ? error.message : String(error)})` };
    }
    if (!entry || entry.key !== key) return { damaged: 'its entry was stored for another key' };
    await this.backend.touch(indexName(key), indexBytes);
    return { entry };
  }

  /** Stores `entry` under its key (replacing what was there); false when it is too large to keep. */
  async put(entry: CacheEntry): Promise<boolean> {
    checkKey(entry.key);
    const stored = await this.encrypt(encodeEntry(entry));
    if (stored.length > MAX_ENTRY_BYTES) return false;
    const hash = sha256(stored);
    await this.backend.put(entryName(hash), stored);
    const record: IndexRecord = {
      v: 1,
      key: entry.key,
      entry: hash,
      size: stored.length,
      createdAt: entry.createdAt,
      boardId: entry.boardId,
      taskId: entry.taskId,
      agent: entry.agent,
      savedMs: entry.outcome.durationMs ?? 0,
      ...(entry.outcome.usage ? { usage: entry.outcome.usage } : {}),
    };
    await this.backend.put(indexName(entry.key), Buffer.from(JSON.stringify(record)));
    if (Date.now() - this.lastEviction >= (this.options.evictEveryMs ?? 60_000)) {
      this.lastEviction = Date.now();
      await this.prune();
    }
    return true;
  }

  /** Every entry, most recently used first; damaged records are left out (prune removes them). */
  async list(): Promise<CacheListing[]> {
    const { records } = await this.survey();
    return records
      .map(({ record, object }) => {
        const { v: _v, entry: _e, ...listed } = record;
        return { ...listed, lastUsedAt: object.modifiedMs };
      })
      .sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  /**
   * Removes what cannot be used (unreadable records, entries no record names, records whose entry
   * is gone), then the least recently used entries until the store holds at most `maxBytes`.
   */
  async prune(maxBytes = this.options.maxBytes): Promise<{ removed: number; freedBytes: number; damaged: number }> {
    const { records, unreadable, entries } = await this.survey();
    const named = new Set(records.map((r) => r.record.entry));
    // A put writes its entry before its index record: an entry no record names yet may be another
    // put's (a task of this board or another worker's) in progress, and only an old one is left over.
    const settled = Date.now() - ORPHAN_GRACE_MS;
    const orphans = [...entries.values()].filter((e) => !named.has(e.name.slice(-64)) && e.modifiedMs < settled);
    const dangling = records.filter((r) => !entries.has(r.record.entry));
    const live = records.filter((r) => entries.has(r.record.entry));
    let total = live.reduce((sum, r) => sum + r.object.size + (entries.get(r.record.entry)?.size ?? 0), 0);
    const evicted: typeof live = [];
    for (const r of [...live].sort((a, b) => a.object.modifiedMs - b.object.modifiedMs)) {
      if (total <= maxBytes) break;
      total -= r.object.size + (entries.get(r.record.entry)?.size ?? 0);
      evicted.push(r);
    }
    const gone = [
      ...unreadable,
      ...orphans,
      ...dangling.map((r) => r.object),
      ...evicted.flatMap((r) => [r.object, entries.get(r.record.entry)!]),
    ];
    await this.backend.remove(gone.map((o) => o.name));
    return {
      removed: evicted.length,
      freedBytes: gone.reduce((sum, o) => sum + o.size, 0),
      damaged: unreadable.length + dangling.length,
    };
  }

  /** Removes every entry; returns how many keys there were. */
  async clear(): Promise<number> {
    const [keys, entries] = await Promise.all([this.backend.list('keys/'), this.backend.list('entries/')]);
    await this.backend.remove([...keys, ...entries].map((o) => o.name));
    return keys.length;
  }

  private async survey() {
    const [keys, entryObjects] = await Promise.all([this.backend.list('keys/'), this.backend.list('entries/')]);
    const entries = new Map(entryObjects.map((o) => [o.name.slice(-64), o]));
    const records: { record: IndexRecord; object: StoredObject }[] = [];
    const unreadable: StoredObject[] = [];
    await eachBounded(keys, 16, async (object) => {
      const bytes = await this.backend.get(object.name);
      const record = bytes && parseRecord(bytes);
      if (record && record.key === object.name.slice(-64)) records.push({ record, object });
      else if (bytes) unreadable.push(object);
    });
    return { records, unreadable, entries };
  }

  private async encrypt(bytes: Buffer): Promise<Buffer> {
    const codec = this.options.codec;
    if (!codec) return bytes;
    const [payload] = await codec.encode([{ metadata: { encoding: Buffer.from('binary/plain') }, data: bytes }]);
    return Buffer.from(PayloadProto.encode(payload!).finish());
  }

  private async decrypt(bytes: Buffer): Promise<Buffer> {
    const codec = this.options.codec;
    if (!codec) return bytes;
    const [payload] = await codec.decode([PayloadProto.decode(bytes)]);
    return Buffer.from(payload?.data ?? []);
  }
}

function checkKey(key: string): void {
  if (!HEX64.test(key)) throw new Error(`not a cache key: ${JSON.stringify(key)}`);
}

/** How long an entry no index record names may be a put in progress. */
const ORPHAN_GRACE_MS = 10 * 60_000;
const indexName = (key: string) => `keys/${key.slice(0, 2)}/${key}`;
const entryName = (hash: string) => `entries/${hash.slice(0, 2)}/${hash}`;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parseRecord(bytes: Buffer): IndexRecord | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const r = value as Partial<IndexRecord>;
    const ok =
      r.v === 1 &&
      typeof r.key === 'string' &&
      HEX64.test(r.key) &&
      typeof r.entry === 'string' &&
      HEX64.test(r.entry) &&
      typeof r.size === 'number' &&
      typeof r.createdAt === 'number' &&
      typeof r.boardId === 'string' &&
      typeof r.taskId === 'string' &&
      typeof r.agent === 'string' &&
      typeof r.savedMs === 'number';
    return ok ? (r as IndexRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** One line of JSON (everything but the patch), then the patch's bytes as they are. */
function encodeEntry({ patch, ...rest }: CacheEntry): Buffer {
  const header = JSON.stringify({ v: 1, ...rest, ...(patch ? { patchBytes: patch.length } : {}) });
  return Buffer.concat([Buffer.from(header + '\n'), patch ?? Buffer.alloc(0)]);
}

function decodeEntry(bytes: Buffer): CacheEntry | undefined {
  const newline = bytes.indexOf(0x0a);
  if (newline < 0) return undefined;
  const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as Partial<CacheEntry> & {
    v?: number;
    patchBytes?: number;
  };
  const { v, patchBytes, ...entry } = header;
  const patch = bytes.subarray(newline + 1);
  if (v !== 1 || typeof entry.key !== 'string' || typeof entry.outcome !== 'object' || entry.outcome === null)
    return undefined;
  if ((patchBytes ?? 0) !== patch.length) return undefined;
  return {
    ...(entry as Omit<CacheEntry, 'patch'>),
    ...(patchBytes !== undefined ? { patch: Buffer.from(patch) } : {}),
  };
}

async function eachBounded<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
