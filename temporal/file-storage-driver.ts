/**
 * An External Storage driver that keeps payloads as files, content-addressed by SHA-256: for the
 * embedded dev server, whose client and workers share one machine and one data folder. The same
 * payload (a board carried into each continued run) is written once. Files are written to a
 * temporary name and renamed, so a crash never leaves a half payload under a real name.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  StorageDriverClaim,
  type Payload,
  type StorageDriver,
  type StorageDriverRetrieveContext,
  type StorageDriverStoreContext,
} from '@temporalio/common';
// The proto package is CommonJS: its namespace comes in as the default export under ESM.
import proto from '@temporalio/proto';
import { writeFileAtomic } from '../src/util/write-atomic.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

export class FileStorageDriver implements StorageDriver {
  readonly name = 'todone.files';
  readonly type = 'todone.files';

  constructor(readonly dir: string) {}

  async store(_context: StorageDriverStoreContext, payloads: Payload[]): Promise<StorageDriverClaim[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        const bytes = PayloadProto.encode(payload).finish();
        const hash = createHash('sha256').update(bytes).digest('hex');
        const file = this.fileOf(hash);
        if (!(await exists(file))) {
          await fs.mkdir(path.dirname(file), { recursive: true });
          await writeFileAtomic(file, bytes);
        }
        return new StorageDriverClaim({ hashAlgorithm: 'sha256', hashValue: hash });
      }),
    );
  }

  async retrieve(_context: StorageDriverRetrieveContext, claims: StorageDriverClaim[]): Promise<Payload[]> {
    return Promise.all(
      claims.map(async (claim) => {
        const hash = claim.claimData.hashValue;
        if (claim.claimData.hashAlgorithm !== 'sha256' || !hash || !/^[0-9a-f]{64}$/.test(hash)) {
          throw new Error(`not a claim of Todone's file store: ${JSON.stringify(claim.claimData)}`);
        }
        const file = this.fileOf(hash);
        let bytes: Buffer;
        try {
          bytes = await fs.readFile(file);
        } catch (error) {
          throw new Error(`payload ${hash} is missing from ${this.dir} (was the data folder moved or cleaned?)`, {
            cause: error,
          });
        }
        // A payload that does not match its hash was damaged on disk: better to fail than to decode it.
        if (createHash('sha256').update(bytes).digest('hex') !== hash)
          throw new Error(`payload file ${file} is corrupt (hash mismatch)`);
        return PayloadProto.decode(bytes);
      }),
    );
  }

  private fileOf(hash: string): string {
    return path.join(this.dir, 'sha256', hash.slice(0, 2), hash);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
