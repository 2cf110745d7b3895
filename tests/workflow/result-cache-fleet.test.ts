/**
 * The result cache across a fleet: two workers with their own data folders (two harnesses, as two
 * machines) whose External Storage is one S3 bucket (moto's server). A board run on the first worker
 * stores its results there; another board on the second worker finds them and runs nothing, on a
 * plain board and on a git board whose recorded change is merged there. Marker files count runs.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSpec } from '../../src/core/board.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { payloadStoreFromEnv } from '../../temporal/payload-storage.js';
import { gitSpec, makeBoard, type TestTask } from '../support/boards.js';
import { createRepo, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';
import { startS3Server, type S3Server } from '../support/python-tools.js';

let s3: S3Server;
let first: Harness;
let second: Harness;
const bucket = `todone-cache-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  s3 = await startS3Server();
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  await client().send(new CreateBucketCommand({ Bucket: bucket }));
  const payloadStore = payloadStoreFromEnv(
    { TODONE_PAYLOAD_STORE: `s3://${bucket}`, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: s3.endpoint },
    '/unused',
    false,
  );
  first = await createHarness({ payloadStore });
  second = await createHarness({ payloadStore });
});
afterAll(async () => {
  await first?.close();
  await second?.close();
  await s3?.stop();
});

function client(): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true });
}

const counted = (dir: string, id: string, then: string) => `echo run >> ${dir}/${id}.runs; ${then}`;
async function runs(dir: string, ...ids: string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const text = await fs.readFile(path.join(dir, `${id}.runs`), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).length;
    }),
  );
}
const hits = (result: BoardResult) => result.tasks.filter((t) => t.cache?.hit).map((t) => t.id);

function cached(board: BoardSpec, inputs?: string[]): BoardSpec {
  for (const task of board.tasks) task.cache = inputs ? { inputs } : {};
  return board;
}

describe('the cache shared by two workers through S3', () => {
  it('serves a plain board on one worker what another board stored on the other', async () => {
    const dir = await first.tempDir();
    await fs.writeFile(path.join(dir, 'input.txt'), 'in');
    const tasks: TestTask[] = [
      {
        id: 'x',
        command: counted(dir, 'x', 'cat input.txt > "$TODONE_OUTPUT.txt"; echo \'{"x":1}\' > "$TODONE_OUTPUT"'),
      },
      { id: 'y', dependsOn: ['x'], command: counted(dir, 'y', 'true') },
    ];
    const board = (name: string) => cached(makeBoard(`${name}-${randomUUID().slice(0, 8)}`, dir, tasks), ['input.txt']);
    expect((await first.run(board('fleet-a'))).state).toBe('completed');
    expect(await fs.readdir(first.home)).not.toContain('cache');

    const there = await second.run(board('fleet-b'));
    expect(there.state).toBe('completed');
    expect(hits(there)).toEqual(['x', 'y']);
    expect(await runs(dir, 'x', 'y')).toEqual([1, 1]);
    expect(there.tasks[0]!.output).toEqual({ x: 1 });
    const listed = await client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'todone-cache/keys/' }));
    expect(listed.KeyCount).toBeGreaterThanOrEqual(2);
  });

  it('merges on one worker the change a git task made on the other', async () => {
    const root = await first.tempDir('todone-fleet-git-');
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    // The count crosses boards, whose own folders do not: the confined task may write this one too.
    const counts = path.join(root, 'counts');
    await fs.mkdir(counts);
    const tasks: TestTask[] = [{ id: 'write', command: counted(counts, 'write', 'echo written > out.txt') }];
    const board = (name: string) => {
      const id = `${name}-${randomUUID().slice(0, 8)}`;
      const b = cached(makeBoard(id, repo, tasks, { git: gitSpec(repo, path.join(root, 'worktrees', id)) }));
      for (const task of b.tasks) task.agent = { ...task.agent, writable: [counts] };
      return b;
    };
    expect((await first.run(board('fleet-git-a'))).state).toBe('completed');
    const there = await second.run(board('fleet-git-b'));
    expect(there.state).toBe('completed');
    expect(hits(there)).toEqual(['write']);
    expect(await runs(counts, 'write')).toEqual([1]);
    expect(await showFile(repo, there.integration!.branch, 'out.txt')).toBe('written');
  });
});
