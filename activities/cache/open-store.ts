/**
 * The result cache of a worker or a command: kept where External Storage keeps large payloads
 * (temporal/payload-storage.ts), so every worker sharing that store shares the cache.
 *
 *   files in <folder>   (the embedded default's <data>/payloads, or TODONE_PAYLOAD_STORE=file:/…): <folder>/cache
 *   s3://bucket         (TODONE_PAYLOAD_STORE=s3://…): the bucket's todone-cache/ prefix
 *   none                (a cluster without a store): <data>/cache, this machine's only
 *
 *   TODONE_CACHE_MAX_SIZE   the size past which the least recently used entries go: bytes, or
 *                           a number with KB, MB or GB (powers of 1024). Default 2GB.
 */
import path from 'node:path';
import type { PayloadCodec } from '@temporalio/common';
import { SetupError } from '../../src/errors.js';
import { s3Client, type PayloadStore } from '../../temporal/payload-storage.js';
import { FileCacheBackend, S3CacheBackend } from './backends.js';
import { CacheStore } from './store.js';

export const DEFAULT_CACHE_MAX_BYTES = 2 * 2 ** 30;

export function openCacheStore(options: {
  payloadStore: PayloadStore;
  home: string;
  env?: NodeJS.ProcessEnv;
  codec?: PayloadCodec;
}): CacheStore {
  const { payloadStore: store } = options;
  const backend =
    store.kind === 's3'
      ? new S3CacheBackend(s3Client(store), store.bucket)
      : new FileCacheBackend(store.kind === 'files' ? path.join(store.dir, 'cache') : path.join(options.home, 'cache'));
  return new CacheStore(backend, {
    maxBytes: cacheMaxBytes(options.env ?? process.env),
    ...(options.codec ? { codec: options.codec } : {}),
  });
}

export function cacheMaxBytes(env: NodeJS.ProcessEnv): number {
  const given = env.TODONE_CACHE_MAX_SIZE?.trim();
  if (!given) return DEFAULT_CACHE_MAX_BYTES;
  const bytes = parseSize(given);
  if (bytes === undefined)
    throw new SetupError(`TODONE_CACHE_MAX_SIZE=${given}: expected a size (bytes, or a number with KB, MB or GB)`);
  return bytes;
}

/** `500MB`, `2GB`, `1.5 GB`, `4096`: bytes, units in powers of 1024. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB)?$/i.exec(text.trim());
  if (!match) return undefined;
  const power = ['B', 'KB', 'MB', 'GB', 'TB'].indexOf((match[2] ?? 'B').toUpperCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
}
