/**
 * docker-compose.yml's topology without containers: the dev server stands in for the Temporal
 * service, moto for MinIO, and the worker service is two `todone worker` processes configured as
 * the compose file configures them (TODONE_PAYLOAD_STORE=s3://…, AWS_* variables, one offering
 * TODONE_CAPABILITIES); the board is submitted by `todone run --no-worker`, as another service would.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { spawnCli } from '../support/cli.js';
import { followLines } from '../support/output-lines.js';
import { startS3Server, type S3Server } from '../support/python-tools.js';
import { skipWithout } from '../support/test-tools.js';

let dir: string;
let s3: S3Server;
const bucket = `todone-payloads-${randomUUID().slice(0, 8)}`;
const queue = `topology-${randomUUID()}`;

/** What the compose file's worker service sets, pointed at this machine's stand-ins. */
const serviceEnv = (home: string, extra: Record<string, string> = {}) => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, home),
  TODONE_TASK_QUEUE: queue,
  TODONE_PAYLOAD_STORE: `s3://${bucket}`,
  // Small enough that this small board's payloads go to the bucket too.
  TODONE_PAYLOAD_THRESHOLD: '256',
  AWS_ENDPOINT_URL: s3.endpoint,
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  ...extra,
});

const s3Client = () =>
  new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

const skip = skipWithout('python moto');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-topology-'));
  s3 = await startS3Server();
  await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await s3?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe.skipIf(skip)("the compose file's topology, without containers", () => {
  it('two workers share a board submitted with --no-worker; payloads go to the bucket; a gpu task runs on the gpu worker', async () => {
    const id = `topology-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    // Each task records the data folder of the worker that ran it (its TODONE_OUTPUT lives there),
    // and takes long enough that one worker with two slots could not take all six at once.
    const record = `echo "$TODONE_OUTPUT" > "$TODONE_TASK_ID.where"; sleep 1`;
    const tasks = ['t1', 't2', 't3', 't4', 't5'].map((t) => `  - { id: ${t}, agent: '${record}' }`);
    await fs.writeFile(
      file,
      [
        `name: ${id}`,
        'sandbox: none',
        'maxParallel: 6',
        'tasks:',
        ...tasks,
        `  - { id: render, requires: [gpu], agent: '${record}' }`,
        '',
      ].join('\n'),
    );
    const workers = [
      spawnCli(['worker', '--max-concurrent-activities', '2'], { env: serviceEnv('home-a') }),
      spawnCli(['worker', '--max-concurrent-activities', '2'], {
        env: serviceEnv('home-b', { TODONE_CAPABILITIES: 'gpu' }),
      }),
    ];
    const started = workers.map((worker) => followLines(worker.stdout));
    try {
      for (const lines of started)
        await lines.next(/Todone worker polling task queue/, 'a worker to say it is polling');
      const result = await spawnCli(['run', '--no-worker', '--json', file], {
        cwd: dir,
        env: serviceEnv('home-submit'),
      });
      expect(result.exitCode, String(result.stderr)).toBe(0);
      const parsed = JSON.parse(String(result.stdout)) as BoardResult;
      expect(parsed.state).toBe('completed');

      const where = async (task: string) => fs.readFile(path.join(dir, `${task}.where`), 'utf8');
      const ranOn = await Promise.all(
        ['t1', 't2', 't3', 't4', 't5', 'render'].map(async (t) =>
          (await where(t)).includes(path.join(dir, 'home-a')) ? 'a' : 'b',
        ),
      );
      expect(new Set(ranOn)).toEqual(new Set(['a', 'b']));
      expect(ranOn.at(-1)).toBe('b');

      // The board's input, the tasks' inputs and results and the board's result went through the bucket.
      const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket }));
      expect(listed.KeyCount ?? 0).toBeGreaterThanOrEqual(4);
      for (const home of ['home-a', 'home-b', 'home-submit']) {
        expect(await fs.readdir(path.join(dir, home)).catch(() => [])).not.toContain('payloads');
      }
    } finally {
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.allSettled(workers);
    }
  });
});
