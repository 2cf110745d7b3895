/**
 * The bundled examples run offline (shell stand-ins for the agents) with the built CLI against the
 * suite's server, and produce what their READMEs say. Each runs from a copy, so the repository
 * stays clean.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { runCli } from '../support/cli.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-examples-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

async function runExample(name: string): Promise<{ result: BoardResult; folder: string }> {
  const folder = path.join(dir, name);
  await fs.cp(path.join(examples, name), folder, { recursive: true });
  const env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TODONE_HOME: path.join(dir, `home-${name}`),
    TODONE_TASK_QUEUE: `examples-${randomUUID()}`,
  };
  const run = await runCli(['run', path.join(folder, 'board.yaml'), '--json'], { env });
  expect(run.exitCode, run.stderr).toBe(0);
  return { result: JSON.parse(run.stdout) as BoardResult, folder };
}

const output = (result: BoardResult, id: string) => result.tasks.find((t) => t.id === id)!.output;

describe('examples, offline', () => {
  it('module-docs: one doc per module written in parallel, indexed by a concat fan-in', async () => {
    const { result, folder } = await runExample('module-docs');
    expect(result.state).toBe('completed');
    for (const module of ['parser', 'evaluate', 'cli'])
      expect(await fs.readFile(path.join(folder, 'docs', `${module}.md`), 'utf8')).toMatch(`# ${module}`);
    expect(output(result, 'index')).toEqual([
      { module: 'parser', doc: 'docs/parser.md', exports: ['parse'] },
      { module: 'evaluate', doc: 'docs/evaluate.md', exports: ['evaluate'] },
      { module: 'cli', doc: 'docs/cli.md', exports: [] },
    ]);
    expect(JSON.parse(await fs.readFile(path.join(folder, 'docs', 'index.json'), 'utf8'))).toEqual(
      output(result, 'index'),
    );
  });

  it('test-shards: four shards in parallel, their counts reduced to totals', async () => {
    const { result } = await runExample('test-shards');
    expect(result.state).toBe('completed');
    expect(output(result, 'totals')).toEqual({ shards: 4, passed: 39, failed: ['test-13'] });
  });

  it('review-loop: the review sends the work back once, then approves; the gate decides by its deadline', async () => {
    const { result, folder } = await runExample('review-loop');
    expect(result.state).toBe('completed');
    const task = (id: string) => result.tasks.find((t) => t.id === id)!;
    expect(task('write')).toMatchObject({ attempts: 2, feedback: { comment: 'Greet the world, with a capital H.' } });
    expect(task('check').verdict).toEqual({ verdict: 'approve', comment: 'Friendly and complete.' });
    expect(task('check').round).toBe(2);
    expect(task('publish').decisions).toEqual([expect.objectContaining({ decision: 'approve', timedOut: true })]);
    expect(await fs.readFile(path.join(folder, 'published.txt'), 'utf8')).toBe('Hello, world!\n');
  });

  it('code-analysis: one analysis per package, merged into one report', async () => {
    const { result } = await runExample('code-analysis');
    expect(result.state).toBe('completed');
    expect(output(result, 'report')).toEqual({
      packages: {
        auth: { lines: 3, todos: ['rate-limit logins', 'rotate keys'], risk: 'high' },
        billing: { lines: 2, todos: [], risk: 'low' },
        search: { lines: 2, todos: ['stemming'], risk: 'medium' },
      },
    });
    expect(result.tasks.find((t) => t.id === 'report')!.aggregation).toEqual({ kind: 'merge' });
  });
});
