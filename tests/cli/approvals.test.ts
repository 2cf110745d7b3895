/**
 * Approval gates from the command line (the built CLI, real processes, a real git repository): a
 * task's work waits for `todone approve`; `todone status` and `todone run` say what waits for whom,
 * since when; the run is SIGKILLed while the gate waits and nothing is lost: the work is a commit on
 * its branch (its worktree already released), the next `todone run` attaches, `todone approve`
 * decides, the commit is integrated and the task never ran twice. `todone reject` sends work back
 * with a comment; malformed decisions exit 2 with one line.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { countRuns } from '../support/evidence.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { followLines } from '../support/output-lines.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let queue: string;
const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  TODONE_TASK_QUEUE: queue,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-approvals-'));
  queue = `cli-approvals-${randomUUID()}`;
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

interface StatusJson {
  state: string;
  tasks: { id: string; state: string; commit?: { sha: string; branch: string }; approval?: { since: number } }[];
}

async function statusJson(board: string): Promise<StatusJson | undefined> {
  const out = await runCli(['status', board, '--json'], { env: env() });
  if (out.exitCode !== 0) return undefined;
  const parsed = JSON.parse(out.stdout) as Partial<StatusJson>;
  return Array.isArray(parsed.tasks) ? (parsed as StatusJson) : undefined;
}

describe('approval gates from the CLI', () => {
  it("a gate's work survives a killed run: approved from another terminal, integrated once", async () => {
    const id = `gate-cli-${randomUUID().slice(0, 8)}`;
    const root = path.join(dir, id);
    const evidence = path.join(root, 'evidence');
    await fs.mkdir(evidence, { recursive: true });
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    const file = path.join(root, 'board.yaml');
    await fs.writeFile(
      file,
      [
        `name: ${id}`,
        'repo: repo',
        'sandbox: none',
        'heartbeatTimeout: 2s',
        'retry: { maxAttempts: 3, initialInterval: 200ms }',
        'tasks:',
        `  - { id: notes, approval: required, agent: 'echo run >> ${evidence}/notes.runs; echo "release notes" > NOTES.md' }`,
        `  - { id: publish, dependsOn: [notes], agent: 'echo run >> ${evidence}/publish.runs; cp NOTES.md PUBLISHED.md' }`,
        '',
      ].join('\n'),
    );

    const first = spawnCli(['run', file], { env: env(), cwd: root });
    const firstOut = followLines(first.stdout);
    await firstOut.next(/⏸ notes waits for approval with its work done/, 'the run to say notes waits', 90_000);
    const waiting = await waitFor('the status to show notes waiting', async () => {
      const status = await statusJson(file);
      return status?.tasks.find((t) => t.id === 'notes' && t.state === 'awaiting-approval') ? status : undefined;
    });
    const notes = waiting.tasks.find((t) => t.id === 'notes')!;
    const text = await runCli(['status', file], { env: env() });
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('1 awaiting approval');
    expect(text.stdout).toMatch(/notes waits for approval with its work done, since \d\d:\d\d:\d\d/);
    expect(text.stdout).toContain(`todone approve ${id} notes`);

    // The worker dies while the gate waits: nothing the board needs was on its disk.
    first.kill('SIGKILL');
    await first;
    expect(await git(repo, ['rev-parse', notes.commit!.branch])).toBe(notes.commit!.sha);
    const worktrees = path.join(dir, 'home', 'worktrees', id, 'tasks');
    expect(await fs.readdir(worktrees).catch(() => [])).not.toContain('notes');

    const second = spawnCli(['run', file], { env: env(), cwd: root });
    const secondOut = followLines(second.stdout);
    await secondOut.next(/already running: attaching/, 'the second run to attach', 60_000);
    const approved = await runCli(['approve', file, 'notes', '--comment', 'ship it'], { env: env() });
    expect(approved.stderr).toBe('');
    expect(approved.exitCode).toBe(0);
    expect(approved.stdout).toBe(`Approved "notes" on board "${id}": its work goes in and its dependents can start.`);
    const done = await second;
    expect(done.exitCode, String(done.stderr)).toBe(0);
    expect(done.stdout).toContain('completed: 2/2 succeeded');
    expect(done.stdout).toMatch(/approve notes: ship it/);

    expect(await countRuns(evidence, 'notes')).toBe(1);
    expect(await countRuns(evidence, 'publish')).toBe(1);
    const integration = `todone/${id}/integration`;
    expect(await showFile(repo, integration, 'PUBLISHED.md')).toBe('release notes');
    const log = await git(repo, ['log', '--first-parent', '--format=%B%x00', integration]);
    expect(log.split('\0').filter((m) => m.includes(`Todone-Commit: ${notes.commit!.sha}`))).toHaveLength(1);
    expect(await git(repo, ['branch', '--list', notes.commit!.branch])).toBe('');
  });

  it('reject sends the work back with the comment; bad decisions exit 2 with one line and change nothing', async () => {
    const id = `reject-cli-${randomUUID().slice(0, 8)}`;
    const root = path.join(dir, id);
    await fs.mkdir(root, { recursive: true });
    const file = path.join(root, 'board.yaml');
    await fs.writeFile(
      file,
      [
        `name: ${id}`,
        'sandbox: none',
        'tasks:',
        `  - { id: draft, approval: required, agent: 'echo "got: $TODONE_FEEDBACK" >> draft.log' }`,
        `  - { id: plain, agent: 'true' }`,
        '',
      ].join('\n'),
    );
    const run = spawnCli(['run', file], { env: env(), cwd: root });
    const out = followLines(run.stdout);
    await out.next(/⏸ draft waits for approval/, 'draft to wait', 90_000);
    await waitFor('plain to succeed', async () =>
      (await statusJson(file))?.tasks.some((t) => t.id === 'plain' && t.state === 'succeeded'),
    );

    const noComment = await runCli(['reject', file, 'draft'], { env: env() });
    expect(noComment.exitCode).toBe(2);
    expect(noComment.stderr).toBe(
      'todone: todone reject is invalid (1 problem):\n  --comment: a rejection says why: give --comment "…" (the task is told, in its prompt and TODONE_FEEDBACK)',
    );
    const notWaiting = await runCli(['approve', file, 'plain'], { env: env() });
    expect(notWaiting.exitCode).toBe(2);
    expect(notWaiting.stderr.trim()).toBe(
      `todone: board "${id}" refused: task "plain" is succeeded: only a task waiting for approval can be approved or rejected`,
    );
    const unknown = await runCli(['approve', file, 'nope'], { env: env() });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('unknown task "nope"');

    const rejected = await runCli(['reject', file, 'draft', '--comment', 'say why it matters'], { env: env() });
    expect(rejected.exitCode).toBe(0);
    expect(rejected.stdout).toContain('Sent "draft" back');
    await out.next(
      /↺ draft sent back \(rejected by .+\): say why it matters/,
      'the run to say draft went back',
      30_000,
    );
    await waitFor('draft to wait again', async () => {
      const status = await statusJson(file);
      return status?.tasks.some((t) => t.id === 'draft' && t.state === 'awaiting-approval' && t.approval);
    });
    const approved = await runCli(['approve', id, 'draft'], { env: env() });
    expect(approved.exitCode).toBe(0);
    const result = await run;
    expect(result.exitCode).toBe(0);
    expect(await fs.readFile(path.join(root, 'draft.log'), 'utf8')).toBe('got: \ngot: say why it matters\n');
  });
});
