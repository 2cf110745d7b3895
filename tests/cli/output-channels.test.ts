/**
 * What goes where: stdout carries only the command's output (one JSON document with --json), the
 * SDK's log lines go to <data>/logs/todone.log (and stderr with --verbose), and failures are one
 * plain message; a stack only for an unexpected error, and only with --debug.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { runCli } from '../support/cli.js';

let dir: string;
const home = () => path.join(dir, 'home');
const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: home(),
  TODONE_TASK_QUEUE: `cli-out-${randomUUID()}`,
});
const STACK_LINE = /^\s+at .+[:(]/m;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-out-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

async function failingBoard(): Promise<string> {
  const id = `noisy-${randomUUID().slice(0, 8)}`;
  const file = path.join(dir, `${id}.yaml`);
  // Every failed attempt makes the SDK log a warning with a stack.
  await fs.writeFile(
    file,
    `name: ${id}\nretry: { maxAttempts: 2, initialInterval: 100ms }\ntasks:\n` +
      `  - { id: bad, agent: "echo nope >&2; exit 3" }\n  - { id: fine, agent: "true" }\n`,
  );
  return file;
}

describe('output channels', () => {
  it('--json stdout is exactly one JSON document; the SDK lines go to the log file', async () => {
    const result = await runCli(['run', await failingBoard(), '--json'], { env: env() });
    expect(result.exitCode, result.stderr).toBe(1);
    const parsed = JSON.parse(result.stdout) as BoardResult;
    expect(parsed.tasks.map((t) => [t.id, t.state])).toEqual([
      ['bad', 'failed'],
      ['fine', 'succeeded'],
    ]);
    expect(result.stderr).not.toMatch(/\[temporal /);
    expect(result.stderr).not.toMatch(STACK_LINE);
    const log = await fs.readFile(path.join(home(), 'logs', 'todone.log'), 'utf8');
    expect(log).toMatch(/\[temporal WARN\] Activity failed/);
  });

  it('--json stdout comes out whole through a pipe, however large (the CLI exits only once it has left)', async () => {
    const file = path.join(dir, 'wide.yaml');
    // Long ids: the plan lists each task by id, several times.
    const tasks = Array.from({ length: 4_000 }, (_, i) => `  - { id: ${'t'.repeat(80)}-${i} }`);
    await fs.writeFile(file, `name: wide\nagent: "true"\ntasks:\n${tasks.join('\n')}\n`);
    const result = await runCli(['plan', file, '--json'], { env: env() });
    expect(result.exitCode, result.stderr).toBe(0);
    // Far past a pipe's 64 KiB buffer, which is where process.exit used to cut it.
    expect(result.stdout.length).toBeGreaterThan(256 * 1024);
    expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
  });

  it('--verbose copies the SDK lines to stderr, never to stdout', async () => {
    const result = await runCli(['--verbose', 'run', await failingBoard(), '--json'], { env: env() });
    expect(result.exitCode, result.stderr).toBe(1);
    JSON.parse(result.stdout);
    expect(result.stderr).toMatch(/\[temporal WARN\] Activity failed/);
  });

  it('a namespace the server does not have: one plain message, exit 2, nothing started', async () => {
    const result = await runCli(['run', await failingBoard()], {
      env: { ...env(), TEMPORAL_NAMESPACE: `missing-${randomUUID().slice(0, 8)}` },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      /^todone: Temporal at \S+ \(namespace missing-\w+\) has no namespace "missing-\w+", so board "noisy-\w+" was not started\. Create it/m,
    );
    expect(result.stderr).toContain('TEMPORAL_NAMESPACE');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
  });

  describe('an unexpected error', () => {
    // The data folder's `temporal` entry is a file, so preparing the server's folder fails with EEXIST.
    const brokenHome = async () => {
      const broken = path.join(dir, `broken-${randomUUID().slice(0, 8)}`);
      await fs.mkdir(broken, { recursive: true });
      await fs.writeFile(path.join(broken, 'temporal'), '');
      return broken;
    };

    it('prints its message and where the details are, and no stack, without --debug', async () => {
      const broken = await brokenHome();
      const result = await runCli(['status', 'some-board'], { env: { TODONE_HOME: broken } });
      expect(result.exitCode).toBe(1);
      const logFile = path.join(broken, 'logs', 'todone.log');
      expect(result.stderr).toBe(
        `todone: EEXIST: file already exists, mkdir '${path.join(broken, 'temporal')}'\n(details in ${logFile}; --debug prints them here)`,
      );
      expect(await fs.readFile(logFile, 'utf8')).toMatch(/\]\s+at (async )?preparePaths /);
    });

    it('prints its stack with --debug', async () => {
      const result = await runCli(['--debug', 'status', 'some-board'], { env: { TODONE_HOME: await brokenHome() } });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^todone: Error: EEXIST/);
      expect(result.stderr).toMatch(STACK_LINE);
    });
  });
});
