/**
 * Temporal External Storage for Todone: any payload above a threshold (a big board's input, a
 * continued run's carried state, a large status) is stored outside Temporal and only a small
 * claim enters the history. The client and every worker must use the same store, so it is part
 * of the connection: files under the data folder for the embedded dev server (one machine), S3
 * (or an S3-compatible store) for a cluster of workers.
 *
 *   TODONE_PAYLOAD_STORE      `s3://bucket`, `file:/absolute/folder`, or `none`.
 *                             Default: files under `<data>/payloads` with the embedded server,
 *                             none (payloads inline) with a cluster.
 *   TODONE_PAYLOAD_THRESHOLD  payloads above this many bytes go to the store (default 256 KiB).
 *   AWS_REGION, AWS_ENDPOINT_URL(_S3), AWS_ACCESS_KEY_ID, ...: the S3 client's usual settings.
 *
 * With a payload key configured (payload-codec.ts), payloads are encrypted before anything else
 * sees them: the server's history and the store both hold ciphertext only.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ExternalStorage, type DataConverter, type PayloadCodec, type StorageDriver } from '@temporalio/common';
import path from 'node:path';
import { SetupError } from '../src/errors.js';
import { awsS3, s3StorageDriver } from './aws-s3.js';
import { FileStorageDriver } from './file-storage-driver.js';

export type PayloadStore =
  { kind: 'none' } | { kind: 'files'; dir: string } | { kind: 's3'; bucket: string; endpoint?: string; region: string };

export const DEFAULT_PAYLOAD_THRESHOLD = 256 * 1024;

/** Which store the environment asks for; `embedded` says whether Todone runs its own dev server. */
export function payloadStoreFromEnv(env: NodeJS.ProcessEnv, dataDir: string, embedded: boolean): PayloadStore {
  const given = env.TODONE_PAYLOAD_STORE?.trim();
  if (!given) return embedded ? { kind: 'files', dir: path.join(dataDir, 'payloads') } : { kind: 'none' };
  if (given === 'none') return { kind: 'none' };
  if (given.startsWith('file:')) {
    const dir = given.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path.isAbsolute(dir))
      throw new SetupError(`TODONE_PAYLOAD_STORE=${given}: a file store needs an absolute folder (file:/path)`);
    return { kind: 'files', dir };
  }
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/?$/.exec(given);
  if (s3) {
    const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    return {
      kind: 's3',
      bucket: s3[1]!,
      ...(endpoint ? { endpoint } : {}),
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    };
  }
  throw new SetupError(`TODONE_PAYLOAD_STORE=${given}: expected s3://bucket, file:/absolute/folder, or none`);
}

export function payloadThreshold(env: NodeJS.ProcessEnv): number {
  const given = env.TODONE_PAYLOAD_THRESHOLD;
  if (given === undefined || given === '') return DEFAULT_PAYLOAD_THRESHOLD;
  const bytes = Number(given);
  if (!Number.isInteger(bytes) || bytes < 0)
    throw new SetupError(`TODONE_PAYLOAD_THRESHOLD=${given}: expected a whole number of bytes`);
  return bytes;
}

/** The data converter the client and the workers share: the SDK's defaults plus the codec and the store, if any. */
export function payloadDataConverter(
  store: PayloadStore,
  threshold = DEFAULT_PAYLOAD_THRESHOLD,
  codec?: PayloadCodec,
): DataConverter {
  const driver = storageDriver(store);
  return {
    ...(codec ? { payloadCodecs: [codec] } : {}),
    ...(driver ? { externalStorage: new ExternalStorage({ drivers: [driver], payloadSizeThreshold: threshold }) } : {}),
  };
}

function storageDriver(store: PayloadStore): StorageDriver | undefined {
  switch (store.kind) {
    case 'none':
      return undefined;
    case 'files':
      return new FileStorageDriver(store.dir);
    case 's3': {
      const { S3StorageDriver, AwsSdkS3StorageDriverClient } = s3StorageDriver();
      return new S3StorageDriver({ client: new AwsSdkS3StorageDriverClient(s3Client(store)), bucket: store.bucket });
    }
  }
}

/** A client of the store's bucket (the result cache keeps its objects there too). */
export function s3Client(store: Extract<PayloadStore, { kind: 's3' }>): S3Client {
  // A custom endpoint (MinIO, moto) is reached by path, not by a bucket subdomain it cannot resolve.
  return new (awsS3().S3Client)({
    region: store.region,
    ...(store.endpoint ? { endpoint: store.endpoint, forcePathStyle: true } : {}),
  });
}

/** One line for the user: where large payloads go. */
export function describePayloadStore(store: PayloadStore): string {
  switch (store.kind) {
    case 'none':
      return 'inline (no external store)';
    case 'files':
      return `files in ${store.dir}`;
    case 's3':
      return `s3://${store.bucket}${store.endpoint ? ` at ${store.endpoint}` : ''}`;
  }
}
