/**
 * Approval gates on the real server with real processes: a task's work waits for a person (its
 * dependents too, other tasks go on), approved or rejected through the board's updates with who and
 * when recorded; a rejection's comment reaches the next run (prompt file and TODONE_FEEDBACK); a
 * gate before the start; deadlines deciding by policy (durable timers of a second or two).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalSpec, TaskSpec } from '../../src/core/board.js';
import { gitSpec, makeBoard, makeTask, type TestTask } from '../support/boards.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { waitForStatus } from '../support/board-status.js';
import { countRuns } from '../support/evidence.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const gated = (task: TestTask, approval: ApprovalSpec = { before: false }): TaskSpec => ({
  ...makeTask(task),
  approval,
});
/** Counts its runs and keeps what each run was told: its feedback variable and its prompt. */
const recording = (task: string) =>
  `n=$(($(cat ${task}.runs 2>/dev/null | wc -l) + 1)); echo run >> ${task}.runs; ` +
  `printf '%s' "$TODONE_FEEDBACK" > ${task}.feedback-$n; cp "$TODONE_PROMPT_FILE" ${task}.prompt-$n; echo "work $n" >> ${task}.out`;

describe('approval gates', () => {
  it('hold a task after its work until approved: its dependents wait, other tasks go on; who and when are recorded', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('approve'), dir, [{ id: 'side', command: 'sleep 0.5; touch side.done' }]);
    board.tasks.push(
      gated({ id: 'build', command: recording('build') }),
      makeTask({ id: 'ship', dependsOn: ['build'], command: 'touch ship.done' }),
    );
    const result = await h.run(board, async (boards) => {
      const waiting = await waitForStatus(boards, board.id, 'build to wait for approval', (s) =>
        s.tasks.some((t) => t.id === 'build' && t.state === 'awaiting-approval'),
      );
      const build = waiting.tasks.find((t) => t.id === 'build')!;
      expect(build.approval).toMatchObject({ gate: 'after' });
      expect(build.approval!.since).toBeGreaterThan(0);
      expect(waiting.counts.awaitingApproval).toBe(1);
      // Other work goes on while a person decides; the gated task's dependent does not start.
      await waitForStatus(boards, board.id, 'side to finish', (s) =>
        s.tasks.some((t) => t.id === 'side' && t.state === 'succeeded'),
      );
      await expect(fs.access(path.join(dir, 'ship.done'))).rejects.toThrow();
      // A decision on a task that is not waiting is refused, naming its state.
      await expect(boards.approveTask(board.id, 'side')).rejects.toThrow(
        /task "side" is succeeded: only a task waiting for approval/,
      );
      await expect(boards.rejectTask(board.id, 'build', '  ')).rejects.toThrow(/comment: a rejection says why/);
      const answer = await boards.approveTask(board.id, 'build', { by: 'ann@desk', comment: 'looks right' });
      expect(answer).toEqual({ taskId: 'build', state: 'running' });
    });

    expect(result.state).toBe('completed');
    await fs.access(path.join(dir, 'ship.done'));
    expect(await countRuns(dir, 'build')).toBe(1);
    const build = result.tasks.find((t) => t.id === 'build')!;
    expect(build.approval).toBeUndefined();
    expect(build.decisions).toEqual([
      expect.objectContaining({ decision: 'approve', by: 'ann@desk', comment: 'looks right' }),
    ]);
    expect(build.waitedMs).toBeGreaterThan(0);
    expect(result.changes).toEqual([
      expect.objectContaining({ kind: 'approve', by: 'ann@desk', detail: 'approve build: looks right' }),
    ]);
  });

  it('rejected with a comment: the task runs again, told in its prompt and TODONE_FEEDBACK; rejected for good it fails and its dependents are skipped', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('reject'), dir, []);
    board.tasks.push(
      gated({ id: 'draft', command: recording('draft') }),
      makeTask({ id: 'after-draft', dependsOn: ['draft'], command: 'true' }),
      gated({ id: 'risky', command: recording('risky') }),
      makeTask({ id: 'after-risky', dependsOn: ['risky'], command: 'true' }),
    );
    const comment = 'Name the constant.\nAnd add a "test" for $HOME — quoted `as is`.';
    const result = await h.run(board, async (boards) => {
      const waitingFor = (task: string, runs: number) =>
        waitForStatus(boards, board.id, `${task} to wait for approval after run ${runs}`, (s) =>
          s.tasks.some((t) => t.id === task && t.state === 'awaiting-approval' && t.attempts === runs),
        );
      await waitingFor('draft', 1);
      expect(await boards.rejectTask(board.id, 'draft', comment, { by: 'bob@desk' })).toMatchObject({
        state: 'pending',
      });
      const again = await waitingFor('draft', 2);
      expect(again.tasks.find((t) => t.id === 'draft')!.feedback).toEqual({ from: 'rejected by bob@desk', comment });
      await boards.approveTask(board.id, 'draft');
      await waitingFor('risky', 1);
      await boards.rejectTask(board.id, 'risky', 'not this way', { final: true });
    });

    expect(await countRuns(dir, 'draft')).toBe(2);
    expect(await fs.readFile(path.join(dir, 'draft.feedback-1'), 'utf8')).toBe('');
    expect(await fs.readFile(path.join(dir, 'draft.feedback-2'), 'utf8')).toBe(comment);
    const prompt = await fs.readFile(path.join(dir, 'draft.prompt-2'), 'utf8');
    expect(prompt).toContain('## Your work was sent back');
    expect(prompt).toContain('rejected by bob@desk');
    expect(prompt).toContain(comment);
    expect(await fs.readFile(path.join(dir, 'draft.prompt-1'), 'utf8')).not.toContain('sent back');

    const task = (name: string) => result.tasks.find((t) => t.id === name)!;
    expect(result.state).toBe('failed');
    expect(task('draft')).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(task('draft').decisions!.map((d) => d.decision)).toEqual(['reject', 'approve']);
    expect(task('after-draft').state).toBe('succeeded');
    expect(task('risky')).toMatchObject({
      state: 'failed',
      reason: 'rejected by ' + task('risky').decisions![0]!.by + ': not this way',
    });
    expect(task('after-risky')).toMatchObject({ state: 'skipped', reason: 'dependency "risky" failed' });
    expect(await countRuns(dir, 'risky')).toBe(1);
    expect(result.changes!.map((c) => c.detail)).toEqual([
      'reject draft: Name the constant. And add a "test" for $HOME — quoted `as is`.',
      'approve draft',
      'reject risky for good: not this way',
    ]);
  });

  it('a gate before the start holds the task until approved; rejecting it can only be final', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('before'), dir, [{ id: 'first', command: 'true' }]);
    board.tasks.push(
      gated({ id: 'deploy', dependsOn: ['first'], command: 'touch deploy.ran' }, { before: true }),
      gated({ id: 'drop', command: 'touch drop.ran' }, { before: true }),
    );
    board.maxParallel = 1;
    const result = await h.run(board, async (boards) => {
      const waiting = await waitForStatus(boards, board.id, 'both gates to wait', (s) =>
        ['deploy', 'drop'].every((t) => s.tasks.find((x) => x.id === t)!.state === 'awaiting-approval'),
      );
      // Waiting holds no slot: with maxParallel 1, 'first' still ran.
      expect(waiting.tasks.find((t) => t.id === 'first')!.state).toBe('succeeded');
      expect(waiting.tasks.find((t) => t.id === 'deploy')!.approval).toMatchObject({ gate: 'before' });
      await expect(fs.access(path.join(dir, 'deploy.ran'))).rejects.toThrow();
      await expect(boards.rejectTask(board.id, 'drop', 'no')).rejects.toThrow(
        /has not started: there is no work to send back/,
      );
      await boards.rejectTask(board.id, 'drop', 'no', { final: true });
      expect(await boards.approveTask(board.id, 'deploy')).toMatchObject({ state: 'pending' });
    });
    expect(result.tasks.find((t) => t.id === 'deploy')!.state).toBe('succeeded');
    await fs.access(path.join(dir, 'deploy.ran'));
    expect(result.tasks.find((t) => t.id === 'drop')).toMatchObject({ state: 'failed' });
    await expect(fs.access(path.join(dir, 'drop.ran'))).rejects.toThrow();
  });

  it("a gate's deadline decides by its policy: approve, fail, reject (run again, and wait again)", async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('deadline'), dir, []);
    board.tasks.push(
      gated(
        { id: 'auto-ok', command: recording('auto-ok') },
        { before: false, timeoutMs: 1_000, onTimeout: 'approve' },
      ),
      gated(
        { id: 'auto-fail', command: recording('auto-fail') },
        { before: false, timeoutMs: 1_000, onTimeout: 'fail' },
      ),
      gated(
        { id: 'auto-redo', command: recording('auto-redo') },
        { before: false, timeoutMs: 1_000, onTimeout: 'reject' },
      ),
      gated(
        { id: 'late-start', command: 'touch late-start.ran' },
        { before: true, timeoutMs: 1_000, onTimeout: 'approve' },
      ),
    );
    const result = await h.run(board, async (boards) => {
      // The second run of auto-redo waits again; a person approves it then.
      await waitForStatus(boards, board.id, 'auto-redo to wait after its second run', (s) =>
        s.tasks.some((t) => t.id === 'auto-redo' && t.state === 'awaiting-approval' && t.attempts === 2),
      );
      await boards.approveTask(board.id, 'auto-redo');
    });
    const task = (name: string) => result.tasks.find((t) => t.id === name)!;
    expect(task('auto-ok')).toMatchObject({ state: 'succeeded' });
    expect(task('auto-ok').decisions![0]).toMatchObject({ decision: 'approve', timedOut: true });
    expect(task('auto-fail')).toMatchObject({
      state: 'failed',
      reason: 'no decision in time: no decision within 1.00s (onTimeout: fail)',
    });
    expect(task('auto-redo')).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(await fs.readFile(path.join(dir, 'auto-redo.feedback-2'), 'utf8')).toBe(
      'no decision within 1.00s (onTimeout: reject)',
    );
    expect(task('late-start').state).toBe('succeeded');
    await fs.access(path.join(dir, 'late-start.ran'));
  });

  it('a task waiting for approval is cancelled like a pending one; a cancelled board ends with it cancelled', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('cancel-gate'), dir, []);
    board.tasks.push(
      gated({ id: 'one', command: 'true' }),
      gated({ id: 'two', command: 'true' }),
      makeTask({ id: 'three', dependsOn: ['one'], command: 'true' }),
    );
    const result = await h.run(board, async (boards) => {
      await waitForStatus(boards, board.id, 'both to wait', (s) => (s.counts.awaitingApproval ?? 0) === 2);
      expect(await boards.cancelTask(board.id, 'one')).toMatchObject({ accepted: true, state: 'cancelled' });
      await boards.cancelBoard(board.id, 'enough');
    });
    expect(result.state).toBe('cancelled');
    expect(result.tasks.map((t) => [t.id, t.state])).toEqual([
      ['one', 'cancelled'],
      ['two', 'cancelled'],
      ['three', 'skipped'],
    ]);
  });

  it('a git board: the work waits on its branch (its worktree released), a rejection builds on it, the approved commit is integrated once', async () => {
    const root = await h.tempDir('todone-git-gate-');
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    const worktrees = path.join(root, 'worktrees');
    const board = makeBoard(id('gate-git'), repo, [], { git: gitSpec(repo, worktrees, { poolSize: 1 }) });
    board.tasks.push(
      gated({
        id: 'notes',
        command:
          'if [ -n "$TODONE_FEEDBACK" ]; then echo "fixed: $TODONE_FEEDBACK" >> notes.txt; else echo draft > notes.txt; fi',
      }),
      makeTask({ id: 'after', dependsOn: ['notes'], command: 'cp notes.txt seen.txt' }),
    );
    const branch = `todone/${board.id}/notes`;
    const result = await h.run(board, async (boards) => {
      const first = await waitForStatus(boards, board.id, 'notes to wait for approval', (s) =>
        s.tasks.some((t) => t.id === 'notes' && t.state === 'awaiting-approval'),
      );
      const commit = first.tasks.find((t) => t.id === 'notes')!.commit!;
      // Nothing the board needs is in a worktree: the slot is back in the pool, detached; the commit is on its branch.
      expect(await git(repo, ['rev-parse', branch])).toBe(commit.sha);
      expect(
        await git(path.join(worktrees, 'pool', 'slot-0'), ['symbolic-ref', '-q', 'HEAD']).catch(() => 'detached'),
      ).toBe('detached');
      expect(await showFile(repo, first.integration!.branch, 'notes.txt')).toBeUndefined();
      await boards.rejectTask(board.id, 'notes', 'add the fix');
      const second = await waitForStatus(boards, board.id, 'notes to wait again', (s) =>
        s.tasks.some((t) => t.id === 'notes' && t.state === 'awaiting-approval' && t.attempts === 2),
      );
      expect(await showFile(repo, second.tasks.find((t) => t.id === 'notes')!.commit!.sha, 'notes.txt')).toBe(
        'draft\nfixed: add the fix',
      );
      await boards.approveTask(board.id, 'notes');
    });
    expect(result.state).toBe('completed');
    const integration = result.integration!.branch;
    expect(await showFile(repo, integration, 'notes.txt')).toBe('draft\nfixed: add the fix');
    expect(await showFile(repo, integration, 'seen.txt')).toBe('draft\nfixed: add the fix');
    const notes = result.tasks.find((t) => t.id === 'notes')!;
    const log = await git(repo, ['log', '--first-parent', '--format=%B%x00', integration]);
    expect(log.split('\0').filter((m) => m.includes('Todone-Task: notes'))).toHaveLength(1);
    expect(log).toContain(`Todone-Commit: ${notes.commit!.sha}`);
    expect(await git(repo, ['branch', '--list', branch])).toBe('');
  });
});
