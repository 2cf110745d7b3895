/**
 * External Storage on a cluster: payloads go to an S3-compatible store (moto's server here, as
 * MinIO or S3 in production) that every worker reaches. And how the store is chosen from the
 * environment.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payloadDataConverter, payloadStoreFromEnv, payloadThreshold } from '../../temporal/payload-storage.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startS3Server, type S3Server } from '../support/python-tools.js';
import { skipWithout } from '../support/test-tools.js';

describe('choosing the payload store', () => {
  it('defaults to files in the data folder with the embedded server, and to none with a cluster', () => {
    expect(payloadStoreFromEnv({}, '/data', true)).toEqual({ kind: 'files', dir: '/data/payloads' });
    expect(payloadStoreFromEnv({}, '/data', false)).toEqual({ kind: 'none' });
  });

  it('reads s3://bucket with the AWS endpoint and region, file:/folder, and none', () => {
    expect(
      payloadStoreFromEnv(
        {
          TODONE_PAYLOAD_STORE: 's3://todone-payloads',
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9000',
          AWS_REGION: 'eu-west-1',
        },
        '/d',
        false,
      ),
    ).toEqual({
      kind: 's3',
      bucket: 'todone-payloads',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
    });
    expect(payloadStoreFromEnv({ TODONE_PAYLOAD_STORE: 'file:/shared/payloads' }, '/d', false)).toEqual({
      kind: 'files',
      dir: '/shared/payloads',
    });
    expect(payloadStoreFromEnv({ TODONE_PAYLOAD_STORE: 'none' }, '/d', true)).toEqual({ kind: 'none' });
  });

  it('refuses what it cannot use, naming the variable', () => {
    expect(() => payloadStoreFromEnv({ TODONE_PAYLOAD_STORE: 'ftp://x' }, '/d', false)).toThrow(
      /TODONE_PAYLOAD_STORE=ftp:\/\/x: expected s3:\/\/bucket/,
    );
    expect(() => payloadStoreFromEnv({ TODONE_PAYLOAD_STORE: 'file:relative' }, '/d', false)).toThrow(
      /absolute folder/,
    );
    expect(() => payloadThreshold({ TODONE_PAYLOAD_THRESHOLD: '-1' })).toThrow(/TODONE_PAYLOAD_THRESHOLD=-1/);
    expect(payloadThreshold({ TODONE_PAYLOAD_THRESHOLD: '1024' })).toBe(1024);
  });
});

describe.skipIf(skipWithout('python moto'))('External Storage on an S3-compatible store', () => {
  let s3: S3Server;
  let h: Harness;
  const bucket = `todone-${randomUUID().slice(0, 8)}`;
  const env = { TODONE_PAYLOAD_STORE: `s3://${bucket}`, AWS_REGION: 'us-east-1' };

  beforeAll(async () => {
    s3 = await startS3Server();
    // The AWS SDK reads its credentials from the environment, as on a real worker.
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    await new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true }).send(
      new CreateBucketCommand({ Bucket: bucket }),
    );
    const store = payloadStoreFromEnv({ ...env, AWS_ENDPOINT_URL: s3.endpoint }, '/unused', false);
    h = await createHarness({ dataConverter: payloadDataConverter(store, 256) });
  });
  afterAll(async () => {
    await h?.close();
    await s3?.stop();
  });

  it('runs a board whose payloads all go through the bucket', async () => {
    const workdir = await h.tempDir();
    const board = makeBoard(`s3-${randomUUID().slice(0, 8)}`, workdir, [
      { id: 'a', command: 'echo a > a.txt' },
      { id: 'b', dependsOn: ['a'], command: 'cat a.txt > b.txt' },
    ]);
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    expect(await fs.readFile(path.join(workdir, 'b.txt'), 'utf8')).toBe('a\n');
    const listed = await new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true }).send(
      new ListObjectsV2Command({ Bucket: bucket }),
    );
    // The board's input, each task's input and result, and the board's result.
    expect(listed.KeyCount).toBeGreaterThanOrEqual(4);
    expect(await fs.readdir(h.home)).not.toContain('payloads');
  });
});
