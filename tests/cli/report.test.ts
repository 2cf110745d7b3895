import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardReport } from '../../src/report/types.js';
import { runCli } from '../support/cli.js';

let dir: string;
const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  TODONE_TASK_QUEUE: `cli-report-${randomUUID()}`,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-report-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

async function board(name: string, maxParallel: number, tasks: string): Promise<{ file: string; id: string }> {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  const file = path.join(dir, `${id}.yaml`);
  await fs.writeFile(file, `name: ${id}\nmaxParallel: ${maxParallel}\nretry: { maxAttempts: 1 }\ntasks:\n${tasks}`);
  return { file, id };
}

describe('todone report', () => {
  it('finds the chain a board was built to be bound by, in every format', async () => {
    // a -> b -> c takes about 5.5 s; x and y are short and off the chain; 4 slots: nothing queues.
    const { file, id } = await board(
      'chain',
      4,
      [
        '  - { id: a, agent: "sleep 1.5", estimate: 1s }',
        '  - { id: x, agent: "sleep 0.2", estimate: 200ms }',
        '  - { id: b, agent: "sleep 3", dependsOn: [a], estimate: 1s }',
        '  - { id: y, agent: "sleep 0.2", dependsOn: [a], estimate: 200ms }',
        '  - { id: c, agent: "sleep 1", dependsOn: [b], estimate: 1s }',
        '',
      ].join('\n'),
    );
    const e = env();
    expect((await runCli(['run', file], { env: e })).exitCode).toBe(0);

    const json = await runCli(['report', file, '--format', 'json'], { env: e });
    expect(json.stderr).toBe('');
    expect(json.exitCode).toBe(0);
    const report = JSON.parse(json.stdout) as BoardReport;
    expect(report.bottlenecks.criticalPath.map((l) => l.id)).toEqual(['a', 'b', 'c']);
    expect(report.bottlenecks.criticalPath.slice(1).every((l) => l.via === 'dependency')).toBe(true);
    expect(report.bottlenecks.planned?.criticalPath).toEqual(['a', 'b', 'c']);
    expect(report.bottlenecks.slotWaitMs).toBe(0);
    expect(report.summary).toMatchObject({ total: 5, succeeded: 5, successRate: 1 });
    expect(report.bottlenecks.recommendations[0]).toMatch(
      /^bound by the chain a -> b -> c; more parallelism will not help; split b/,
    );
    expect(report.bottlenecks.estimateMisses[0]).toMatchObject({ id: 'b' });

    const md = await runCli(['report', file], { env: e });
    expect(md.exitCode).toBe(0);
    expect(md.stdout).toContain(`## Todone report: ${id}`);
    expect(md.stdout).toContain('Critical path (actual): a -> b -> c');
    expect(md.stdout).toMatch(/\| b \| succeeded \| shell \| 1 \| 3\.\d+s \|/);

    // By id alone a finished board's graph needs a worker to answer: the report says it lacks it.
    const byId = await runCli(['report', id], { env: e });
    expect(byId.exitCode).toBe(0);
    expect(byId.stdout).toContain('Dependencies were not known');

    const out = path.join(dir, 'report.html');
    const html = await runCli(['report', file, '--format', 'html', '--out', out], { env: e });
    expect(html.exitCode).toBe(0);
    const page = await fs.readFile(out, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<svg xmlns="http://www.w3.org/2000/svg" class="timeline"');
    expect(page).toContain('class="graph"');
    expect((page.match(/class="node"/g) ?? []).length).toBe(5);
    // Self-contained: nothing is fetched (the SVG namespace is a name, not a request).
    expect(page).not.toMatch(/(src|href)=["']?https?:/);
    expect(page).not.toMatch(/@import|url\(http/);
  });

  it('says to raise maxParallel when tasks queued for the one slot', async () => {
    const { file } = await board(
      'slots',
      1,
      ['p', 'q', 'r', 's'].map((t) => `  - { id: ${t}, agent: "sleep 1" }`).join('\n') + '\n',
    );
    const e = env();
    expect((await runCli(['run', file], { env: e })).exitCode).toBe(0);
    const result = await runCli(['report', file, '--format', 'json'], { env: e });
    const report = JSON.parse(result.stdout) as BoardReport;
    expect(report.bottlenecks.slotWaitShare).toBeGreaterThan(0.4);
    expect(report.bottlenecks.recommendations[0]).toMatch(
      /^raise maxParallel \(now 1\): tasks waited \d+% of the time for a slot$/,
    );
    expect(report.bottlenecks.criticalPath).toHaveLength(4);
    expect(report.bottlenecks.criticalPath.slice(1).every((l) => l.via === 'slot')).toBe(true);
  });

  it('reports failures with their reasons and attempts', async () => {
    const { file } = await board(
      'fails',
      2,
      '  - { id: bad, agent: "echo broken >&2; exit 3" }\n  - { id: after, agent: "true", dependsOn: [bad] }\n',
    );
    const e = env();
    expect((await runCli(['run', file], { env: e })).exitCode).toBe(1);
    const md = await runCli(['report', file], { env: e });
    expect(md.exitCode).toBe(0);
    expect(md.stdout).toMatch(/\| bad \| failed \| shell \| 1 \|/);
    expect(md.stdout).toMatch(/\| after \| skipped \|/);
    expect(md.stdout).toContain('1 task did not succeed (bad)');
  });
});
