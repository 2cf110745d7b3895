/**
 * The result cache from the command line: `todone run` says which tasks were read from the cache
 * and what that spared, `--no-cache` runs them all, and `todone cache ls|prune|clear` list and
 * empty the store where the run's worker keeps it (here, a cluster without External Storage: the
 * data folder). Marker files count the executions.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-cache-'));
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

const env = {
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: '',
  TODONE_TASK_QUEUE: `cli-cache-${randomUUID()}`,
};

async function boardFile(name: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    [
      `name: ${name}-${randomUUID().slice(0, 8)}`,
      'cache: true',
      'inputs: [input.txt]',
      'tasks:',
      `  - { id: a, agent: "echo run >> a.runs; sleep 0.2" }`,
      `  - { id: b, dependsOn: [a], agent: "echo run >> b.runs" }`,
    ].join('\n'),
  );
  return file;
}

const runs = async (id: string) => (await fs.readFile(path.join(dir, `${id}.runs`), 'utf8').catch(() => '')).length / 4;

describe('the result cache on the command line', () => {
  it('says what was read from the cache, runs everything with --no-cache, and lists, prunes and clears', async () => {
    const e = { ...env, TODONE_HOME: path.join(dir, 'home') };
    await fs.writeFile(path.join(dir, 'input.txt'), 'in');
    const first = await runCli(['run', await boardFile('one')], { env: e });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('read from the cache');

    const second = await runCli(['run', await boardFile('two')], { env: e });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/✔ a read from the cache \(saved \d/);
    expect(second.stdout).toMatch(/2 tasks read from the cache, sparing \d/);
    expect(second.stdout).toMatch(/a\s+succeeded\s+shell\s+1\s+\S+\s+cached, saved /);
    expect([await runs('a'), await runs('b')]).toEqual([1, 1]);

    const listed = await runCli(['cache', 'ls'], { env: e });
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^key\s+board\/task\s+agent\s+size\s+stored\s+last used\s+a hit saves/m);
    expect(listed.stdout).toMatch(/\/a\s+shell/);
    expect(listed.stdout).toContain(`2 entries`);
    expect(listed.stdout).toContain(path.join(e.TODONE_HOME, 'cache'));
    const json = JSON.parse((await runCli(['cache', 'ls', '--json'], { env: e })).stdout) as { entries: unknown[] };
    expect(json.entries).toHaveLength(2);

    const uncached = await runCli(['run', await boardFile('three'), '--no-cache'], { env: e });
    expect(uncached.exitCode, uncached.stderr).toBe(0);
    expect(uncached.stdout).not.toContain('read from the cache');
    expect([await runs('a'), await runs('b')]).toEqual([2, 2]);

    const refused = await runCli(['cache', 'prune', '--max-size', 'lots'], { env: e });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('--max-size');
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const pruned = await runCli(['cache', 'prune', '--max-size', '0'], { env: e });
    expect(pruned.exitCode, pruned.stderr).toBe(0);
    expect(pruned.stdout).toMatch(/^Removed 2 least recently used entries, .* freed; the cache holds 0 B/);
    expect((await runCli(['cache', 'ls'], { env: e })).stdout).toContain('0 entries');

    expect((await runCli(['run', await boardFile('four')], { env: e })).exitCode).toBe(0);
    const cleared = await runCli(['cache', 'clear'], { env: e });
    expect(cleared.stdout).toContain('Removed 2 entries from');
    expect((await runCli(['cache', 'ls'], { env: e })).stdout).toContain('0 entries');
  });
});
