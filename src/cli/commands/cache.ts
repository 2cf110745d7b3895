/**
 * `todone cache ls|prune|clear`: the result cache where this machine's workers keep it (beside
 * External Storage's payloads: the data folder with the embedded server, the S3 bucket of
 * TODONE_PAYLOAD_STORE on a cluster). No Temporal server is needed.
 */
import { openCacheStore, parseSize } from '../../../activities/cache/open-store.js';
import type { CacheListing, CacheStore } from '../../../activities/cache/store.js';
import { configuredPayloadStore } from '../../../temporal/connection.js';
import { payloadCodecFromEnv } from '../../../temporal/payload-codec.js';
import { formatDuration } from '../../core/duration.js';
import { todoneHome } from '../../data-dir.js';
import { InvalidInputError } from '../../errors.js';
import { formatUsage } from '../format/task-table.js';
import type { CommandIO } from '../io.js';

export function cacheStoreFor(io: CommandIO): CacheStore {
  const home = todoneHome(io.env);
  const codec = payloadCodecFromEnv(io.env);
  return openCacheStore({
    payloadStore: configuredPayloadStore(io.env, home),
    home,
    env: io.env,
    ...(codec ? { codec } : {}),
  });
}

export async function cacheListCommand(options: { json?: boolean }, io: CommandIO): Promise<number> {
  const store = cacheStoreFor(io);
  const entries = await store.list();
  if (options.json) {
    io.stdout(`${JSON.stringify({ where: store.where, maxBytes: store.options.maxBytes, entries }, null, 2)}\n`);
    return 0;
  }
  if (entries.length > 0) io.stdout(`${table(entries)}\n`);
  const total = entries.reduce((sum, e) => sum + e.size, 0);
  io.stdout(
    `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, ${bytes(total)} of ${bytes(store.options.maxBytes)}, in ${store.where}.\n`,
  );
  return 0;
}

export async function cachePruneCommand(options: { maxSize?: string }, io: CommandIO): Promise<number> {
  const store = cacheStoreFor(io);
  let maxBytes = store.options.maxBytes;
  if (options.maxSize !== undefined) {
    const given = parseSize(options.maxSize);
    if (given === undefined)
      throw new InvalidInputError('--max-size', [
        { path: '', message: `expected a size (bytes, or a number with KB, MB or GB), got "${options.maxSize}"` },
      ]);
    maxBytes = given;
  }
  const { removed, freedBytes, damaged } = await store.prune(maxBytes);
  const left = (await store.list()).reduce((sum, e) => sum + e.size, 0);
  io.stdout(
    `Removed ${removed} least recently used entr${removed === 1 ? 'y' : 'ies'}${damaged ? ` and ${damaged} damaged record${damaged === 1 ? '' : 's'}` : ''}, ` +
      `${bytes(freedBytes)} freed; the cache holds ${bytes(left)} (limit ${bytes(maxBytes)}) in ${store.where}.\n`,
  );
  return 0;
}

export async function cacheClearCommand(io: CommandIO): Promise<number> {
  const store = cacheStoreFor(io);
  const removed = await store.clear();
  io.stdout(`Removed ${removed} entr${removed === 1 ? 'y' : 'ies'} from ${store.where}.\n`);
  return 0;
}

function table(entries: CacheListing[]): string {
  const rows = entries.map((e) => [
    e.key.slice(0, 16),
    `${e.boardId}/${e.taskId}`,
    e.agent,
    bytes(e.size),
    when(e.createdAt),
    when(e.lastUsedAt),
    [formatDuration(e.savedMs), e.usage ? formatUsage(e.usage) : ''].filter(Boolean).join(', '),
  ]);
  const header = ['key', 'board/task', 'agent', 'size', 'stored', 'last used', 'a hit saves'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
