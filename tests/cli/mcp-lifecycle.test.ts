/**
 * `todone mcp` as a process: SIGKILLed mid-board, the next server attaches to the board and
 * finishes it with no finished task run twice; --no-worker only submits; closing stdin stops it
 * cleanly, with nothing on stdout.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { startMcp, type McpSession } from '../support/mcp-client.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
const sessions: McpSession[] = [];

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-mcp-life-'));
});
afterAll(async () => {
  for (const session of sessions) await session.close().catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
});

function env(queue: string): Record<string, string> {
  return { TEMPORAL_ADDRESS: inject('temporalAddress'), TODONE_HOME: path.join(dir, 'home'), TODONE_TASK_QUEUE: queue };
}

async function mcp(queue: string, args: string[] = []): Promise<McpSession> {
  const session = await startMcp({ cwd: dir, env: env(queue), args });
  sessions.push(session);
  return session;
}

const lines = async (file: string) =>
  (await fs.readFile(path.join(dir, file), 'utf8')).split('\n').filter(Boolean).length;
const exists = (file: string) =>
  fs.access(path.join(dir, file)).then(
    () => true,
    () => false,
  );

describe('todone mcp as a process', () => {
  it('survives its own SIGKILL: the next server attaches and finishes the board, no finished task runs twice', async () => {
    const queue = `mcp-kill-${randomUUID()}`;
    const id = `killed-${randomUUID().slice(0, 8)}`;
    await fs.writeFile(
      path.join(dir, `${id}.yaml`),
      `name: ${id}\nretry: { maxAttempts: 3, initialInterval: 100ms }\ntasks:\n` +
        `  - { id: first, agent: "echo ran >> ${id}.first" }\n` +
        `  - { id: slow, dependsOn: [first], agent: "echo ran >> ${id}.slow; while [ ! -f ${id}.go ]; do sleep 0.1; done" }\n` +
        `  - { id: last, dependsOn: [slow], agent: "echo ran >> ${id}.last" }\n`,
    );
    const first = await mcp(queue);
    await first.call('start_board', { path: `${id}.yaml` });
    await waitFor('the slow task to start', () => exists(`${id}.slow`), { timeoutMs: 60_000 });
    process.kill(first.pid!, 'SIGKILL');
    await fs.writeFile(path.join(dir, `${id}.go`), '');

    const second = await mcp(queue);
    const attached = await second.call<{ run: string }>('start_board', { path: `${id}.yaml` });
    expect(attached.run).toBe('attached to the run in progress');
    const result = await second.call<{ finished: boolean; state: string }>('wait_board', {
      board: id,
      timeoutSeconds: 90,
    });
    expect(result).toMatchObject({ finished: true, state: 'completed' });
    expect(await lines(`${id}.first`)).toBe(1);
    expect(await lines(`${id}.last`)).toBe(1);
    // The attempt that was running when its worker died runs again; nothing that had finished does.
    expect(await lines(`${id}.slow`)).toBe(2);
  });

  it('--no-worker only submits: nobody runs the board until a server with a worker serves its queue', async () => {
    const queue = `mcp-submit-${randomUUID()}`;
    const id = `submitted-${randomUUID().slice(0, 8)}`;
    await fs.writeFile(
      path.join(dir, `${id}.yaml`),
      `name: ${id}\ntasks:\n  - { id: only, agent: "echo ran >> ${id}.only" }\n`,
    );
    const submitter = await mcp(queue, ['--no-worker']);
    const started = await submitter.call<{ worker: string }>('start_board', { path: `${id}.yaml` });
    expect(started.worker).toBe(`submitted only: workers on task queue "${queue}" run its tasks`);
    const status = await submitter.call<{ answered: boolean; message: string }>('board_status', { board: id });
    expect(status.answered).toBe(false);
    expect(status.message).toContain(`nothing is polling task queue "${queue}"`);
    expect(await exists(`${id}.only`)).toBe(false);

    const runner = await mcp(queue);
    const done = await runner.callWithProgress('wait_board', { board: id, timeoutSeconds: 60 });
    expect(done.value).toMatchObject({ finished: true, state: 'completed' });
    expect(done.progress[0]).toMatchObject({ progress: 0, total: 60 });
    expect(await lines(`${id}.only`)).toBe(1);
  });

  it('stops when its client closes stdin: exit 0, nothing on stdout', async () => {
    const child = spawnCli(['mcp'], { cwd: dir, env: env(`mcp-stdin-${randomUUID()}`) });
    // spawnCli closes stdin at once: the server connects, then sees the end of its input.
    const result = await child;
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toBe('');
  });

  it('refuses --capability with --no-worker (exit 2, before anything starts)', async () => {
    const result = await spawnCli(['mcp', '--no-worker', '--capability', 'gpu'], { cwd: dir, env: env('unused') });
    expect(result.exitCode).toBe(2);
    expect(String(result.stderr)).toContain("offers capabilities through this server's own worker");
  });
});
