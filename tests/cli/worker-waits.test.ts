/**
 * `todone worker` started while its Temporal server does not answer (a cluster restarting, a fleet
 * brought up in any order) waits for it, saying so, and starts when it answers; with
 * `--wait-for-server 0` it exits 2 with what to check (the bound itself: tests/unit/wait-for-server.test.ts). The server "comes up" here
 * as a TCP forwarder to the suite's dev server, opened on the worker's address only once it waits.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { followLines } from '../support/output-lines.js';

let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-worker-waits-'));
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

/** Forwards every connection on `port` to the suite's server. */
async function forwarder(port: number): Promise<net.Server> {
  const [host, serverPort] = inject('temporalAddress').split(':') as [string, string];
  const server = net.createServer((socket) => {
    const upstream = net.connect({ host, port: Number(serverPort) });
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('todone worker and a server that does not answer yet', () => {
  it('waits for it, says so, and starts polling once it answers', async () => {
    const port = await freePort();
    const worker = spawnCli(['worker', '--task-queue', `waits-${port}`], {
      env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TODONE_HOME: home },
    });
    const err = followLines(worker.stderr);
    const out = followLines(worker.stdout);
    let server: net.Server | undefined;
    try {
      await err.next(
        new RegExp(
          `Cannot reach Temporal at 127\\.0\\.0\\.1:${port} .* Waiting for it, up to 2m \\(--wait-for-server\\)`,
        ),
        'the worker to say it waits for the server',
        30_000,
      );
      server = await forwarder(port);
      await err.next(/^Temporal answers: starting\.$/, 'the worker to see the server answer', 30_000);
      await out.next(/Todone worker polling task queue "waits-/, 'the worker to poll', 30_000);
    } finally {
      worker.kill('SIGTERM');
      await worker.catch(() => undefined);
      server?.close();
    }
  }, 90_000);

  it('gives up after one try with --wait-for-server 0 (exit 2, what to check), and refuses a bound that is not a duration', async () => {
    const port = await freePort();
    const env = { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, TODONE_HOME: home };
    const now = await runCli(['worker', '--wait-for-server', '0'], { env });
    expect(now.exitCode).toBe(2);
    expect(now.stderr).toMatch(/Cannot reach Temporal at 127\.0\.0\.1:\d+ .*\nCheck that the server is running/);
    expect(now.stderr).not.toMatch(/Waiting for it|\n\s+at /);

    const bad = await runCli(['worker', '--wait-for-server', 'soon'], { env });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--wait-for-server.*expected a duration like 90s, 2m or 0, got "soon"/);
  }, 90_000);
});
