import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TraceEvent } from '../../src/report/trace.js';
import { runCli, spawnCli } from '../support/cli.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-trace-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('todone trace', () => {
  it("lists a board's retries, failures, skips and updates in order", async () => {
    const env = {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TODONE_HOME: path.join(dir, 'home'),
      TODONE_TASK_QUEUE: `cli-trace-${randomUUID()}`,
    };
    const id = `trace-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    const marker = path.join(dir, 'flaky-ran');
    await fs.writeFile(
      file,
      [
        `name: ${id}`,
        'maxParallel: 2',
        'retry: { maxAttempts: 1, initialInterval: 100ms }',
        'tasks:',
        // Fails its first attempt, passes the second: one retry.
        `  - { id: flaky, retry: { maxAttempts: 2, initialInterval: 100ms }, agent: "if [ -e ${marker} ]; then echo ok; else touch ${marker}; exit 1; fi" }`,
        '  - { id: bad, agent: "exit 5" }',
        '  - { id: after, agent: "true", dependsOn: [bad] }',
        // Long enough for an update to land while it runs.
        `  - { id: slow, agent: "while [ ! -e ${path.join(dir, 'go')} ]; do sleep 0.1; done" }`,
        '',
      ].join('\n'),
    );
    const run = spawnCli(['run', file], { env });
    await waitFor(
      'slow to be running',
      async () => {
        const status = await runCli(['status', id, '--json'], { env });
        return status.exitCode === 0 && /"id": "slow",\s*"state": "running"/.test(status.stdout);
      },
      { timeoutMs: 60_000, intervalMs: 300 },
    );
    expect((await runCli(['set', id, '--max-parallel', '3'], { env })).exitCode).toBe(0);
    await fs.writeFile(path.join(dir, 'go'), '');
    expect((await run).exitCode).toBe(1);

    const json = await runCli(['trace', file, '--json'], { env });
    expect(json.stderr).toBe('');
    const { events } = JSON.parse(json.stdout) as { events: TraceEvent[] };
    const seen = events.map((e) => [e.kind, e.task ?? e.detail ?? '', e.attempt ?? ''].join(' ').trim());
    const order = (text: string) => {
      const at = seen.indexOf(text);
      expect(at, `${text} in\n${seen.join('\n')}`).toBeGreaterThanOrEqual(0);
      return at;
    };
    expect(order('run started')).toBe(0);
    expect(order('task started flaky 1')).toBeLessThan(order('task retried flaky 2'));
    expect(order('task retried flaky 2')).toBeLessThan(order('task finished flaky 2'));
    expect(events.find((e) => e.kind === 'task retried')?.detail).toBe('1 earlier attempt failed');
    order('task failed bad 1');
    expect(seen.some((s) => s.startsWith('task started after'))).toBe(false);
    expect(order('update accepted setMaxParallel')).toBeLessThan(order('task finished slow 1'));
    order('update applied');
    expect(seen.at(-1)).toBe('board completed');
    expect(events.every((e, i) => i === 0 || e.at >= events[i - 1]!.at)).toBe(true);

    const text = await runCli(['trace', id], { env });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/task retried flaky attempt 2/);
  });
});
