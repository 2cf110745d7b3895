/**
 * A cluster (TEMPORAL_ADDRESS) that goes away mid-board is not Todone's to restart: `todone run`
 * says once that it lost it and that the board is safe, waits, says when it is back, and finishes
 * the board in the same process. The "cluster" is a dev server this test stops and starts again on
 * the same port and database.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { ensureDevServer, stopDevServer } from '../../temporal/dev-server.js';
import { spawnCli } from '../support/cli.js';
import { countRuns } from '../support/evidence.js';
import { freePort } from '../support/free-port.js';
import { followLines } from '../support/output-lines.js';

let dir: string;
let serverDir: string;
let ports: { port: number; uiPort: number };
let address: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cluster-loss-'));
  serverDir = path.join(dir, 'cluster');
  ports = { port: await freePort(), uiPort: await freePort() };
  address = (await ensureDevServer({ dataDir: serverDir, ...ports })).address;
});
afterAll(async () => {
  await stopDevServer(serverDir).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

const ids = ['a', 'b', 'c', 'd'];
const boardYaml = `
name: cluster-loss-board
maxParallel: 2
heartbeatTimeout: 2s
retry: { maxAttempts: 5, initialInterval: 200ms }
agent: 'echo run >> "$TODONE_TASK_ID.runs"; sleep 1'
tasks:
  - { id: a }
  - { id: b, dependsOn: [a] }
  - { id: c, dependsOn: [a] }
  - { id: d, dependsOn: [b, c] }
`;

describe('losing a cluster', () => {
  it('waits for it, says when it is back, and finishes the board', async () => {
    const file = path.join(dir, 'board.yaml');
    await fs.writeFile(file, boardYaml);
    const run = spawnCli(['run', file, '--json'], {
      cwd: dir,
      env: { TEMPORAL_ADDRESS: address, TODONE_HOME: path.join(dir, 'home'), TODONE_TASK_QUEUE: 'cluster-loss' },
    });
    const stderr = followLines(run.stderr);
    const stdout: string[] = [];
    run.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));

    await stderr.next(/✔ a succeeded/, 'task a to succeed');
    expect(await stopDevServer(serverDir)).toBe(true);
    await stderr.next(/Lost the Temporal server/, 'the run to notice the lost server', 60_000);
    // The same frontend port (the run reconnects to its address); a new one for the UI, which nothing
    // here reads: a loaded machine may have given the old one to a client socket meanwhile.
    await ensureDevServer({ dataDir: serverDir, port: ports.port, uiPort: await freePort() });
    await stderr.next(/Reconnected/, 'the run to reconnect', 60_000);

    const result = await run;
    const err = stderr.lines.join('\n');
    expect(result.exitCode, err).toBe(0);
    expect(stderr.lines.filter((line) => line.startsWith('Lost the Temporal server'))).toEqual([
      `Lost the Temporal server at ${address}; the board is safe; waiting for it to come back (up to 30m; Ctrl-C to stop watching).`,
    ]);
    expect(stderr.lines.filter((line) => line.startsWith('Reconnected'))).toHaveLength(1);
    expect(err).not.toMatch(/^\s+at /m);
    const parsed = JSON.parse(stdout.join('')) as BoardResult;
    expect(parsed.tasks.map((t) => t.state)).toEqual(ids.map(() => 'succeeded'));
    expect(await countRuns(dir, 'a')).toBe(1);
  });
});
