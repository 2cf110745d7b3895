/**
 * Where the result cache keeps its objects: the place External Storage keeps large payloads, so
 * every worker that shares those shares the cache. Files under a folder (the embedded default's
 * data folder, or `TODONE_PAYLOAD_STORE=file:/…`), or objects under a prefix of the S3 bucket.
 * A backend moves bytes by name and knows nothing of what they mean (store.ts does).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsS3 } from '../../temporal/aws-s3.js';
import { writeFileAtomic } from '../../src/util/write-atomic.js';

export interface StoredObject {
  name: string;
  size: number;
  /** Last written or touched (epoch ms): the least recently used go first. */
  modifiedMs: number;
}

export interface CacheBackend {
  /** Where it is, for people: a folder, or s3://bucket/prefix. */
  readonly where: string;
  get(name: string): Promise<Buffer | undefined>;
  /** All or nothing: a reader never sees half an object under its name. */
  put(name: string, bytes: Uint8Array): Promise<void>;
  /** Marks an object as just used (`bytes` is what it holds, for stores that can only rewrite). */
  touch(name: string, bytes: Uint8Array): Promise<void>;
  remove(names: readonly string[]): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
}

/** Names are the store's own (a prefix, then hex), never anything a task chose. */
const NAME = /^[a-z]+\/[0-9a-f]{2}\/[0-9a-f]{64}$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new Error(`not a cache object name: ${JSON.stringify(name)}`);
  return name;
}

export class FileCacheBackend implements CacheBackend {
  constructor(readonly root: string) {}

  get where(): string {
    return this.root;
  }

  async get(name: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path.join(this.root, checkName(name)));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    const file = path.join(this.root, checkName(name));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, bytes);
  }

  async touch(name: string): Promise<void> {
    const now = new Date();
    await fs.utimes(path.join(this.root, checkName(name)), now, now).catch((error: unknown) => {
      if (!isMissing(error)) throw error;
    });
  }

  async remove(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => fs.rm(path.join(this.root, checkName(name)), { force: true })));
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const top = path.join(this.root, prefix);
    const found: StoredObject[] = [];
    for (const fan of await readdirOrNone(top)) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const file of await readdirOrNone(path.join(top, fan))) {
        const name = `${prefix}${fan}/${file}`;
        if (!NAME.test(name)) continue;
        const info = await fs.lstat(path.join(top, fan, file)).catch(() => undefined);
        if (info?.isFile()) found.push({ name, size: info.size, modifiedMs: info.mtimeMs });
      }
    }
    return found;
  }
}

export class S3CacheBackend implements CacheBackend {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'todone-cache/',
  ) {}

  get where(): string {
    return `s3://${this.bucket}/${this.prefix}`;
  }

  async get(name: string): Promise<Buffer | undefined> {
    const { GetObjectCommand, NoSuchKey } = awsS3();
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + checkName(name) }),
      );
      return answer.Body ? Buffer.from(await answer.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    const { PutObjectCommand } = awsS3();
    // An object appears whole or not at all; the checksum makes S3 refuse one damaged on the way.
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.prefix + checkName(name),
        Body: bytes,
        ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
      }),
    );
  }

  async touch(name: string, bytes: Uint8Array): Promise<void> {
    await this.put(name, bytes);
  }

  async remove(names: readonly string[]): Promise<void> {
    const { DeleteObjectsCommand } = awsS3();
    for (let i = 0; i < names.length; i += 1000) {
      const batch = names.slice(i, i + 1000).map((name) => ({ Key: this.prefix + checkName(name) }));
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }),
      );
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const { ListObjectsV2Command } = awsS3();
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(this.prefix.length);
        if (name === undefined || !NAME.test(name)) continue;
        found.push({ name, size: object.Size ?? 0, modifiedMs: object.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function readdirOrNone(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}
