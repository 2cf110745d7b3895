/**
 * A git board on a fleet, with real processes: two `todone worker`s with their own data folders
 * (so their own clones of one bare repository) on one task queue, and the board submitted by
 * `todone run --no-worker` from a third. Capabilities place tasks on a chosen worker; a SIGKILLed
 * worker's task reruns on the other, and nothing that had finished runs again.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { remoteFolder } from '../../activities/git/remote.js';
import type { BoardResult, BoardStatus, TaskStatus } from '../../src/core/run-state.js';
import { taskDataDir } from '../../src/data-dir.js';
import { boardWorkflowId, statusQuery } from '../../workflows/api.js';
import { runCli, spawnCli } from '../support/cli.js';
import { git, showFile } from '../support/git-repo.js';
import { createBareRemote } from '../support/git-remote.js';
import { followLines } from '../support/output-lines.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let connection: Connection;
beforeAll(async () => {
  dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'todone-fleet-')));
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

interface Fleet {
  root: string;
  url: string;
  queue: string;
  homes: { a: string; b: string };
  marks: string;
  env(home: string): Record<string, string>;
}

async function fleet(name: string): Promise<Fleet> {
  const root = path.join(dir, name);
  await fs.mkdir(path.join(root, 'marks'), { recursive: true });
  const url = await createBareRemote(root, { 'README.md': '# project\n', 'shared.txt': 'line 1\nline 2\nline 3\n' });
  const queue = `fleet-${randomUUID()}`;
  return {
    root,
    url,
    queue,
    homes: { a: path.join(root, 'home-a'), b: path.join(root, 'home-b') },
    marks: path.join(root, 'marks'),
    env: (home) => ({ TEMPORAL_ADDRESS: inject('temporalAddress'), TODONE_HOME: home, TODONE_TASK_QUEUE: queue }),
  };
}

type Child = ReturnType<typeof spawnCli>;

/**
 * A `todone worker` with its own data folder, up and polling. Wrapped: the child is a promise of
 * its exit, which an async function would otherwise wait for.
 */
async function startWorker(f: Fleet, home: string, capabilities: string[]): Promise<{ child: Child }> {
  const child = spawnCli(['worker', ...capabilities.flatMap((c) => ['--capability', c])], { env: f.env(home) });
  await followLines(child.stdout).next(
    /Todone worker polling task queue/,
    `the worker in ${home} to say it is up`,
    60_000,
  );
  return { child };
}

async function stopAll(workers: { child: Child }[]): Promise<void> {
  for (const { child } of workers) if (child.exitCode === null) child.kill('SIGINT');
  await Promise.all(workers.map((w) => w.child));
}

const task = (result: BoardResult, id: string): TaskStatus => result.tasks.find((t) => t.id === id)!;

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function lines(file: string): Promise<string[]> {
  return (await fs.readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
}

function parseResult(stdout: string, stderr: string): BoardResult {
  try {
    return JSON.parse(stdout) as BoardResult;
  } catch {
    throw new Error(`todone run printed no result\n${stdout}\n${stderr}`);
  }
}

describe('a git board on two workers sharing a remote', () => {
  it('places tasks by capability, a dependent on B sees its dependency made on A, and a conflict is reported', async () => {
    const f = await fleet('placed');
    const file = path.join(f.root, 'board.yaml');
    await fs.writeFile(
      file,
      [
        'name: fleet-placed',
        `remote: ${f.url}`,
        'sandbox: none',
        'retry: { maxAttempts: 1 }',
        'tasks:',
        '  - { id: root, requires: [a], agent: "echo from-a > a.txt" }',
        '  - { id: dependent, requires: [b], dependsOn: [root], agent: "cat a.txt > seen.txt && echo from-b > b.txt" }',
        '  - { id: left, requires: [a], agent: "printf \'line 1\\nLEFT\\nline 3\\n\' > shared.txt" }',
        '  - { id: right, requires: [b], agent: "printf \'line 1\\nRIGHT\\nline 3\\n\' > shared.txt" }',
        '',
      ].join('\n'),
    );
    const workers = [await startWorker(f, f.homes.a, ['a']), await startWorker(f, f.homes.b, ['b'])];
    let result: BoardResult;
    try {
      const run = await spawnCli(['run', '--no-worker', '--json', file], {
        env: f.env(path.join(f.root, 'home-client')),
      });
      result = parseResult(String(run.stdout), String(run.stderr));
    } finally {
      await stopAll(workers);
    }

    const branch = result.integration!.branch;
    expect(result.integration).toMatchObject({ repo: f.url, remote: f.url });
    expect(task(result, 'root').state).toBe('succeeded');
    expect(task(result, 'dependent').state).toBe('succeeded');
    expect(await git(f.url, ['rev-parse', branch])).toBe(result.integration!.head);
    expect(await showFile(f.url, branch, 'a.txt')).toBe('from-a');
    expect(await showFile(f.url, branch, 'b.txt')).toBe('from-b');
    expect(await showFile(f.url, branch, 'seen.txt')).toBe('from-a');
    // Each ran where its log is, and only there; both workers made their own clone.
    expect(await exists(taskDataDir(f.homes.a, 'fleet-placed', 'root'))).toBe(true);
    expect(await exists(taskDataDir(f.homes.b, 'fleet-placed', 'root'))).toBe(false);
    expect(await exists(taskDataDir(f.homes.b, 'fleet-placed', 'dependent'))).toBe(true);
    expect(await exists(taskDataDir(f.homes.a, 'fleet-placed', 'dependent'))).toBe(false);
    for (const home of Object.values(f.homes))
      expect(await exists(path.join(remoteFolder(home, f.url), 'clone', 'HEAD'))).toBe(true);

    const loser = task(result, 'left').state === 'conflicted' ? 'left' : 'right';
    const winner = loser === 'left' ? 'right' : 'left';
    expect(task(result, winner).state).toBe('succeeded');
    expect(task(result, loser)).toMatchObject({ state: 'conflicted', conflictFiles: ['shared.txt'] });
    expect(await showFile(f.url, branch, 'shared.txt')).toBe(`line 1\n${winner.toUpperCase()}\nline 3`);
    // Kept on the worker that ran it; its branch stays on the remote for anyone to fetch.
    expect(
      task(result, loser).worktree?.startsWith(remoteFolder(loser === 'left' ? f.homes.a : f.homes.b, f.url)),
    ).toBe(true);
    expect(await git(f.url, ['rev-parse', `todone/fleet-placed/${loser}`])).toBe(task(result, loser).commit!.sha);
    expect(result.state).toBe('failed');
    await git(f.url, ['fsck', '--no-progress']);
  });

  it('loses nothing when a worker is SIGKILLed while its task runs: the task reruns on the other, finished ones do not', async () => {
    const f = await fleet('killed');
    const file = path.join(f.root, 'board.yaml');
    const mark = (id: string) => path.join(f.marks, id);
    // `slow` records where it runs (its worktree is under the worker's data folder) and its shell's
    // pid; its first run waits until the test has killed its worker.
    const slowAgent =
      `pwd >> ${mark('slow.where')}; echo $$ >> ${mark('slow.pids')}; ` +
      `while [ ! -f ${mark('killed')} ]; do sleep 0.1; done; echo slow > slow.txt`;
    await fs.writeFile(
      file,
      [
        'name: fleet-killed',
        `remote: ${f.url}`,
        'sandbox: none',
        'heartbeatTimeout: 3s',
        'retry: { maxAttempts: 2, initialInterval: 200ms }',
        'tasks:',
        `  - { id: quick1, agent: "echo 1 > q1.txt; echo run >> ${mark('quick1.runs')}" }`,
        `  - { id: quick2, agent: "echo 2 > q2.txt; echo run >> ${mark('quick2.runs')}" }`,
        `  - { id: slow, agent: '${slowAgent}' }`,
        `  - { id: after, dependsOn: [quick1, quick2, slow], agent: "cat q1.txt q2.txt slow.txt > after.txt; echo run >> ${mark('after.runs')}" }`,
        '',
      ].join('\n'),
    );
    const workers = { a: await startWorker(f, f.homes.a, []), b: await startWorker(f, f.homes.b, []) };
    const run = spawnCli(['run', '--no-worker', '--json', file], { env: f.env(path.join(f.root, 'home-client')) });
    try {
      const handle = new Client({ connection }).workflow.getHandle(boardWorkflowId('fleet-killed'));
      await waitFor(
        'quick1 and quick2 to succeed and slow to start',
        async () => {
          const status: BoardStatus | undefined = await handle.query(statusQuery).catch(() => undefined);
          const done = ['quick1', 'quick2'].every((id) =>
            status?.tasks.some((t) => t.id === id && t.state === 'succeeded'),
          );
          return done && (await lines(mark('slow.where'))).length === 1;
        },
        { timeoutMs: 90_000, intervalMs: 100 },
      );
      const [where] = await lines(mark('slow.where'));
      const victim = where!.startsWith(f.homes.a) ? 'a' : 'b';
      const survivor = victim === 'a' ? 'b' : 'a';
      workers[victim].child.kill('SIGKILL');
      expect((await workers[victim].child).signal, 'the worker died by the SIGKILL, not before it').toBe('SIGKILL');
      // Its agent outlived it (unconfined, in its own process group): the test ends what it started.
      const [pid] = await lines(mark('slow.pids'));
      process.kill(-Number(pid), 'SIGKILL');
      await fs.writeFile(mark('killed'), '');

      const finished = await run;
      const result = parseResult(String(finished.stdout), String(finished.stderr));
      expect(result.state, JSON.stringify(result.tasks.map((t) => [t.id, t.state, t.reason]))).toBe('completed');
      const branch = result.integration!.branch;
      expect(await showFile(f.url, branch, 'after.txt')).toBe('1\n2\nslow');
      // The rerun was on the survivor, in its own clone.
      const runs = await lines(mark('slow.where'));
      expect(runs).toHaveLength(2);
      expect(runs[1]!.startsWith(f.homes[survivor])).toBe(true);
      for (const id of ['quick1', 'quick2', 'after'])
        expect(await lines(mark(`${id}.runs`)), `runs of ${id}`).toHaveLength(1);
      // The status counts the run the dead worker held (from its last heartbeat) and names both workers and their logs.
      const slowRuns = task(result, 'slow').runs ?? [];
      expect(slowRuns).toHaveLength(2);
      expect(new Set(slowRuns.map((r) => r.host)).size).toBe(2);
      expect(slowRuns[0]!.log.startsWith(f.homes[victim])).toBe(true);
      expect(slowRuns[1]!.log.startsWith(f.homes[survivor])).toBe(true);
      expect(task(result, 'slow').attempts).toBe(2);
      const merges = await git(f.url, ['log', '--merges', '--format=%s', branch]);
      for (const id of ['quick1', 'quick2', 'slow', 'after'])
        expect(
          merges.split('\n').filter((s) => s === `todone(fleet-killed): merge ${id}`),
          `merges of ${id}`,
        ).toHaveLength(1);
      await git(f.url, ['fsck', '--no-progress']);

      // Landing pushes base on the remote, fast-forward; cleaning deletes the board's branches there.
      const client = f.env(path.join(f.root, 'home-client'));
      const landed = await runCli(['land', 'fleet-killed'], { env: client });
      expect(landed.exitCode, landed.stderr).toBe(0);
      expect(await git(f.url, ['rev-parse', 'main'])).toBe(result.integration!.head);
      const cleaned = await runCli(['clean', 'fleet-killed', '--all'], { env: client });
      expect(cleaned.exitCode, cleaned.stderr).toBe(0);
      expect(await git(f.url, ['for-each-ref', '--format=%(refname)', 'refs/heads/todone/'])).toBe('');
    } finally {
      run.kill('SIGKILL');
      await stopAll(Object.values(workers));
    }
  });
});
