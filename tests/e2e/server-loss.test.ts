/**
 * The embedded dev server dies (SIGKILL) in the middle of a board: the same `todone run` says so
 * once, restarts it on the same database and ports, and carries on to the end. No finished task
 * runs again, no stack trace reaches the user, and --json stdout stays one JSON document while the
 * SDK's retry warnings go to the log file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { devServerPaths, readRecord } from '../../temporal/dev-server-state.js';
import { stopDevServer } from '../../temporal/dev-server.js';
import { spawnCli } from '../support/cli.js';
import { countRuns } from '../support/evidence.js';
import { followLines } from '../support/output-lines.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let home: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-server-loss-'));
  home = path.join(dir, 'home');
});
afterAll(async () => {
  await stopDevServer(home).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const ids = ['t1', 't2', 't3', 't4', 't5', 't6'];
const boardYaml = `
name: server-loss-board
maxParallel: 2
# Attempts whose completion the dead server never saw are retried soon after it is back.
heartbeatTimeout: 2s
retry: { maxAttempts: 5, initialInterval: 200ms }
agent: 'echo run >> "$TODONE_TASK_ID.runs"; sleep 1'
tasks:
  - { id: t1 }
  - { id: t2, dependsOn: [t1] }
  - { id: t3, dependsOn: [t1] }
  - { id: t4, dependsOn: [t2] }
  - { id: t5, dependsOn: [t3] }
  - { id: t6, dependsOn: [t4, t5] }
`;

describe('losing the embedded dev server', () => {
  it('restarts it and carries on in the same process', async () => {
    const file = path.join(dir, 'board.yaml');
    await fs.writeFile(file, boardYaml);
    const run = spawnCli(['run', file, '--json'], { cwd: dir, env: { TODONE_HOME: home } });
    const stderr = followLines(run.stderr);
    const stdout: string[] = [];
    run.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));

    await stderr.next(/✔ t1 succeeded/, 't1 to succeed');
    const finishedBeforeKill = stderr.lines
      .filter((line) => / succeeded/.test(line))
      .map((line) => /(t\d) succeeded/.exec(line)![1]!);
    const record = await readRecord(devServerPaths(await fs.realpath(home)));
    expect(record?.pid, 'the server state file names the server').toBeGreaterThan(0);
    process.kill(record!.pid, 'SIGKILL');

    await stderr.next(/Lost the Temporal dev server; restarting it/, 'the run to notice the lost server');
    const result = await run;
    const err = stderr.lines.join('\n');
    expect(result.exitCode, err).toBe(0);

    expect(
      stderr.lines.filter((line) => line.includes('Lost the Temporal dev server')),
      err,
    ).toHaveLength(1);
    expect(err).toMatch(/Temporal dev server back at 127\.0\.0\.1:\d+/);
    expect(err).not.toMatch(/^\s+at /m);
    expect(err).not.toMatch(/ServiceError|\[temporal (WARN|ERROR)\]/);

    // The whole of stdout is the result: the SDK's warnings (and there were some) went elsewhere.
    const parsed = JSON.parse(stdout.join('')) as BoardResult;
    expect(parsed.tasks.map((t) => t.state)).toEqual(ids.map(() => 'succeeded'));
    const log = await fs.readFile(path.join(home, 'logs', 'todone.log'), 'utf8');
    expect(log).toMatch(/\[temporal WARN\]/);

    // Same database, same address: the restarted server is the one the board lives in.
    const after = await waitFor('the restarted server in the state file', async () => {
      const now = await readRecord(devServerPaths(await fs.realpath(home)));
      return now && now.pid !== record!.pid ? now : undefined;
    });
    expect(after.address).toBe(record!.address);
    expect(after.dbFile).toBe(record!.dbFile);

    expect(finishedBeforeKill.length).toBeGreaterThanOrEqual(1);
    for (const id of finishedBeforeKill) expect(await countRuns(dir, id), `runs of ${id}`).toBe(1);
    for (const id of ids) expect(await countRuns(dir, id), `runs of ${id}`).toBeGreaterThanOrEqual(1);
  });
});
