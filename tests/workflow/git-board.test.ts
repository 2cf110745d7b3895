import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSpec, GitSpec } from '../../src/core/board.js';
import type { BoardResult, TaskStatus } from '../../src/core/run-state.js';
import { gitSpec, makeBoard, shellAgent, untilIntegrated, type TestTask } from '../support/boards.js';
import { createRepo, git, pictureCheckout, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';
import { sweepFinishedBoards } from '../../worker/sweep.js';
import { integrationWorktreePath } from '../../activities/git/names.js';
import { taskDataDir } from '../../src/data-dir.js';
import { markedSleep, processesWith } from '../support/process-scan.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const task = (result: BoardResult, id: string): TaskStatus => result.tasks.find((t) => t.id === id)!;

async function gitBoard(
  name: string,
  tasks: TestTask[],
  git: Partial<GitSpec> = {},
  overrides: Partial<BoardSpec> = {},
) {
  const root = await h.tempDir('todone-git-');
  const repo = await createRepo(path.join(root, 'repo'), {
    'README.md': '# project\n',
    'shared.txt': 'line 1\nline 2\nline 3\n',
  });
  const board = makeBoard(`${name}-${randomUUID().slice(0, 8)}`, repo, tasks, {
    ...overrides,
    git: gitSpec(repo, path.join(root, 'worktrees'), git),
  });
  return { repo, root, board };
}

describe('boards in git worktrees', () => {
  it('integrates parallel tasks, gives dependents their work, and leaves the user checkout untouched', async () => {
    const { repo, board } = await gitBoard('parallel', [
      { id: 'a', command: 'echo from-a > a.txt' },
      { id: 'b', command: 'echo from-b > b.txt' },
      { id: 'c', dependsOn: ['a', 'b'], command: 'cat a.txt b.txt > c.txt' },
    ]);
    // Untracked and modified files in the user's checkout must survive as they are.
    await fs.writeFile(path.join(repo, 'scratch.txt'), 'my notes\n');
    await fs.appendFile(path.join(repo, 'README.md'), 'work in progress\n');
    const before = await pictureCheckout(repo);

    const result = await h.run(board);

    expect(result.state).toBe('completed');
    const integration = result.integration!;
    expect(integration.branch).toBe(`todone/${board.id}/integration`);
    expect(await showFile(repo, integration.branch, 'a.txt')).toBe('from-a');
    expect(await showFile(repo, integration.branch, 'b.txt')).toBe('from-b');
    expect(await showFile(repo, integration.branch, 'c.txt')).toBe('from-a\nfrom-b');
    expect(await git(repo, ['rev-parse', integration.branch])).toBe(integration.head);
    expect(task(result, 'a').commit).toMatchObject({ changed: true, files: 1, insertions: 1 });
    expect(await pictureCheckout(repo)).toEqual(before);
    await git(repo, ['fsck', '--no-progress']);
  });

  it("reports exactly one of two clashing tasks as conflicted and keeps the other one's result", async () => {
    const { repo, board } = await gitBoard('conflict', [
      { id: 'left', command: 'printf "line 1\\nLEFT\\nline 3\\n" > shared.txt' },
      { id: 'right', command: 'printf "line 1\\nRIGHT\\nline 3\\n" > shared.txt' },
      { id: 'after-left', dependsOn: ['left'], command: 'true' },
      { id: 'after-right', dependsOn: ['right'], command: 'true' },
    ]);
    const result = await h.run(board);

    const states = ['left', 'right'].map((id) => task(result, id).state).sort();
    expect(states).toEqual(['conflicted', 'succeeded']);
    const loser = task(result, 'left').state === 'conflicted' ? 'left' : 'right';
    const winner = loser === 'left' ? 'right' : 'left';
    expect(task(result, loser).conflictFiles).toEqual(['shared.txt']);
    expect(task(result, `after-${loser}`).state).toBe('skipped');
    expect(task(result, `after-${winner}`).state).toBe('succeeded');
    expect(await showFile(repo, result.integration!.branch, 'shared.txt')).toBe(
      `line 1\n${winner.toUpperCase()}\nline 3`,
    );
    // The conflicted task's worktree is kept for inspection; the integration worktree is clean
    // (the aborted merge left nothing staged, changed or half-merged), at the branch's head.
    expect(task(result, loser).worktree).toBeDefined();
    await fs.access(task(result, loser).worktree!);
    const integrationTree = integrationWorktreePath(board.git!.worktreeRoot);
    expect(await git(integrationTree, ['status', '--porcelain', '--untracked-files=all'])).toBe('');
    expect(await git(integrationTree, ['rev-parse', 'HEAD'])).toBe(result.integration!.head);
    await expect(
      git(integrationTree, ['rev-parse', '-q', '--verify', 'MERGE_HEAD']),
      'no merge in progress',
    ).rejects.toThrow();
    expect(result.state).toBe('failed');
  });

  it('re-runs a conflicted task from the new head when onConflict is retry, telling it what conflicted', async () => {
    const { repo, board } = await gitBoard(
      'conflict-retry',
      [
        { id: 'first', command: 'printf "line 1\\nFIRST\\nline 3\\n" > shared.txt', priority: 10 },
        {
          id: 'second',
          dependsOn: [],
          // Without conflict news it clashes (once `first` is merged); told about the conflict, it builds on the new head.
          command: `if [ -n "$TODONE_CONFLICT_FILES" ]; then echo "$TODONE_CONFLICT_FILES" > conflict-news.txt; echo SECOND >> shared.txt; else ${untilIntegrated('shared.txt', 'FIRST')}; printf "line 1\\nSECOND\\nline 3\\n" > shared.txt; fi`,
        },
      ],
      { onConflict: 'retry' },
    );
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    expect(await showFile(repo, result.integration!.branch, 'conflict-news.txt')).toBe('shared.txt');
    expect(await showFile(repo, result.integration!.branch, 'shared.txt')).toBe('line 1\nFIRST\nline 3\nSECOND');
  });

  it('starts each retried attempt from a clean worktree and commits only the final attempt', async () => {
    const { repo, board } = await gitBoard('retry-clean', [
      {
        id: 'flaky',
        command:
          'echo "attempt $TODONE_ATTEMPT" > "junk-$TODONE_ATTEMPT.txt"; [ "$TODONE_ATTEMPT" -ge 2 ] && echo done > result.txt',
        retry: { maxAttempts: 3 },
      },
    ]);
    const result = await h.run(board);

    expect(task(result, 'flaky')).toMatchObject({ state: 'succeeded', attempts: 2 });
    const files = (await git(repo, ['ls-tree', '-r', '--name-only', result.integration!.branch])).split('\n');
    expect(files).toContain('junk-2.txt');
    expect(files).toContain('result.txt');
    expect(files).not.toContain('junk-1.txt');
  });

  it('keeps task text away from any shell: quotes, $() and ; stay literal', async () => {
    const { repo, root, board } = await gitBoard('quoting', [{ id: 'odd', command: 'echo ok > ok.txt' }]);
    board.tasks[0]!.description = `Fix "it" $(touch ${root}/pwned) \`touch ${root}/pwned2\`; touch ${root}/pwned3 'x'`;
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    const message = await git(repo, ['log', '-1', '--format=%B', task(result, 'odd').commit!.sha]);
    expect(message).toContain(`$(touch ${root}/pwned)`);
    for (const name of ['pwned', 'pwned2', 'pwned3']) {
      await expect(fs.access(path.join(root, name))).rejects.toThrow();
    }
  });

  it('hands out a clean pooled worktree to each task in turn', async () => {
    const check = 'test -z "$(git status --porcelain --ignored)" || { git status --porcelain --ignored; exit 9; }';
    const { repo, board } = await gitBoard(
      'pool',
      [
        {
          id: 'one',
          command: `${check}; echo one > one.txt; echo junk > build.out; mkdir -p cache && echo x > cache/x`,
        },
        {
          id: 'two',
          dependsOn: ['one'],
          command: `${check}; test -f one.txt; echo two > two.txt; echo junk > build.out`,
        },
        { id: 'three', dependsOn: ['two'], command: `${check}; test -f two.txt; echo three > three.txt` },
      ],
      { poolSize: 1 },
      { maxParallel: 1 },
    );
    await fs.writeFile(path.join(repo, '.gitignore'), 'build.out\ncache/\n');
    await git(repo, ['add', '.gitignore']);
    await git(repo, ['commit', '--quiet', '-m', 'ignore build output']);

    const result = await h.run(board);
    expect(result.tasks.map((t) => [t.id, t.state, t.reason])).toEqual([
      ['one', 'succeeded', undefined],
      ['two', 'succeeded', undefined],
      ['three', 'succeeded', undefined],
    ]);
    const files = (await git(repo, ['ls-tree', '-r', '--name-only', result.integration!.branch])).split('\n');
    expect(files).toEqual(expect.arrayContaining(['one.txt', 'two.txt', 'three.txt']));
    expect(files).not.toContain('build.out');
  });

  it('sweeps what a finished board left behind at worker start-up, sparing worktrees kept for inspection', async () => {
    const { repo, board } = await gitBoard('sweep', [
      { id: 'fine', command: 'echo fine > fine.txt' },
      { id: 'broken', command: 'echo half > half.txt; exit 1', retry: { maxAttempts: 1 } },
    ]);
    const result = await h.run(board);
    const kept = task(result, 'broken').worktree!;
    await fs.access(kept);
    // What a crash between the merge and the clean-up would leave: an integrated task's worktree.
    const stray = path.join(board.git!.worktreeRoot, 'tasks', 'fine');
    await git(repo, ['worktree', 'add', '--quiet', '--detach', stray, 'main']);

    const report = await sweepFinishedBoards({ home: h.home, client: h.client });

    expect(report.removedWorktrees).toBeGreaterThanOrEqual(1);
    await expect(fs.access(stray)).rejects.toThrow();
    await fs.access(kept);
    const listed = await git(repo, ['worktree', 'list', '--porcelain']);
    expect(listed).not.toContain(stray);
    expect(listed).toContain(kept);
  });

  describe('best of N', () => {
    const shell = (command: string) => shellAgent(command);

    it('keeps the candidate that changed the fewest lines and reports the others', async () => {
      const { repo, board } = await gitBoard('best-smallest', [{ id: 'pick' }]);
      board.tasks[0]!.candidates = {
        count: 3,
        pick: 'smallest',
        agents: [shell('printf "a\\nb\\nc\\n" > answer.txt'), shell('echo short > answer.txt'), shell('exit 1')],
      };
      const result = await h.run(board);

      expect(task(result, 'pick').state).toBe('succeeded');
      expect(task(result, 'pick').candidates!.map((c) => [c.id, c.state, c.changedLines])).toEqual([
        ['pick.c1', 'discarded', 3],
        ['pick.c2', 'chosen', 1],
        ['pick.c3', 'failed', undefined],
      ]);
      expect(await showFile(repo, result.integration!.branch, 'answer.txt')).toBe('short');
      // Every candidate's worktree and branch is gone; only the integration worktree remains.
      expect(await git(repo, ['branch', '--list', `todone/${board.id}/pick.*`])).toBe('');
    });

    it('votes for the result most candidates agree on', async () => {
      const { repo, board } = await gitBoard('best-vote', [{ id: 'pick' }]);
      board.tasks[0]!.candidates = {
        count: 3,
        pick: 'vote',
        agents: [
          shell('echo majority > answer.txt'),
          shell('echo lonely > answer.txt'),
          shell('sleep 0.3; echo majority > answer.txt'),
        ],
      };
      const result = await h.run(board);

      expect(await showFile(repo, result.integration!.branch, 'answer.txt')).toBe('majority');
      const states = task(result, 'pick').candidates!.map((c) => c.state);
      expect(states.filter((s) => s === 'chosen')).toHaveLength(1);
      expect(task(result, 'pick').candidates![1]!.state).toBe('discarded');
    });

    it('takes the first candidate to pass and stops the others', async () => {
      const { repo, board } = await gitBoard('best-first', [{ id: 'pick' }]);
      // Five minutes: waited for rather than stopped, it would outlast the test.
      const slow = markedSleep();
      board.tasks[0]!.candidates = {
        count: 2,
        pick: 'first',
        agents: [shell(`${slow.command}; echo slow > answer.txt`), shell('echo fast > answer.txt')],
      };
      const result = await h.run(board);

      expect(await showFile(repo, result.integration!.branch, 'answer.txt')).toBe('fast');
      expect(task(result, 'pick').candidates!.map((c) => c.state)).toEqual(['cancelled', 'chosen']);
      expect(await processesWith(slow.token), 'what is left of the stopped candidate').toEqual([]);
    });

    // Candidates go through the same pipeline as any task: pool, kept worktrees, conflict retries.
    it('runs candidates in pooled worktrees when the board has a pool', async () => {
      const { repo, board } = await gitBoard('best-pool', [{ id: 'pick' }], { poolSize: 2 });
      // Each candidate says where it ran in its own log (its worktree goes when it ends).
      const where = (name: string) => shell(`echo "ran in $PWD"; echo ${name} > answer.txt`);
      board.tasks[0]!.candidates = { count: 2, pick: 'smallest', agents: [where('one'), where('two')] };
      const result = await h.run(board);

      expect(task(result, 'pick').state).toBe('succeeded');
      const slots = path.join(board.git!.worktreeRoot, 'pool');
      for (const candidate of ['pick.c1', 'pick.c2']) {
        const log = await fs.readFile(path.join(taskDataDir(h.home, board.id, candidate), 'attempt-1.log'), 'utf8');
        const dir = /ran in (\S+)/.exec(log)?.[1];
        expect(dir, `${candidate} said where it ran`).toBeDefined();
        expect(path.dirname(await fs.realpath(dir!))).toBe(await fs.realpath(slots));
      }
      expect(await git(repo, ['branch', '--list', `todone/${board.id}/pick.*`])).toBe('');
    });

    it("keeps the failed candidates' worktrees for inspection when no candidate passed", async () => {
      const { board } = await gitBoard('best-kept', [{ id: 'pick', retry: { maxAttempts: 1 } }]);
      board.tasks[0]!.candidates = {
        count: 2,
        pick: 'first',
        agents: [shell('echo one > one.txt; exit 3'), shell('echo two > two.txt; exit 4')],
      };
      const result = await h.run(board);

      const pick = task(result, 'pick');
      expect(pick.state).toBe('failed');
      expect(pick.reason).toMatch(/^no candidate passed \(pick\.c1: .*code 3.*; pick\.c2: .*code 4/);
      expect(pick.candidates!.map((c) => c.state)).toEqual(['failed', 'failed']);
      const kept = pick.candidates!.map((c) => c.worktree!);
      await fs.access(path.join(kept[0]!, 'one.txt'));
      await fs.access(path.join(kept[1]!, 'two.txt'));
      expect(pick.worktree).toBe(kept[0]);
      // A worker's start-up sweep spares every kept candidate, not only the task's own worktree.
      await sweepFinishedBoards({ home: h.home, client: h.client });
      await fs.access(path.join(kept[0]!, 'one.txt'));
      await fs.access(path.join(kept[1]!, 'two.txt'));
    });

    it("removes failed candidates' worktrees when keepFailed is off", async () => {
      const { repo, board } = await gitBoard('best-unkept', [{ id: 'pick', retry: { maxAttempts: 1 } }], {
        keepFailedWorktrees: false,
      });
      board.tasks[0]!.candidates = { count: 2, pick: 'first', agents: [shell('exit 3'), shell('exit 4')] };
      const result = await h.run(board);

      expect(task(result, 'pick').state).toBe('failed');
      expect(task(result, 'pick').candidates!.map((c) => c.worktree)).toEqual([undefined, undefined]);
      expect(await git(repo, ['branch', '--list', `todone/${board.id}/pick.*`])).toBe('');
    });

    it('re-runs every candidate from the new head after a conflict when onConflict is retry', async () => {
      const { repo, board } = await gitBoard(
        'best-conflict',
        [{ id: 'first', command: 'printf "line 1\\nFIRST\\nline 3\\n" > shared.txt', priority: 10 }, { id: 'pick' }],
        { onConflict: 'retry' },
      );
      // Without conflict news both candidates clash with `first` (once it is merged); told what conflicted, they append.
      const clash = (word: string) =>
        shell(
          `if [ -n "$TODONE_CONFLICT_FILES" ]; then echo ${word} >> shared.txt; else ${untilIntegrated('shared.txt', 'FIRST')}; printf "line 1\\n${word}\\nline 3\\n" > shared.txt; fi`,
        );
      board.tasks[1]!.candidates = { count: 2, pick: 'smallest', agents: [clash('AAA'), clash('BB')] };
      const result = await h.run(board);

      const pick = task(result, 'pick');
      expect(pick.state).toBe('succeeded');
      // Two rounds of two candidates, one attempt each.
      expect(pick.attempts).toBe(4);
      expect(await showFile(repo, result.integration!.branch, 'shared.txt')).toMatch(
        /^line 1\nFIRST\nline 3\n(AAA|BB)$/,
      );
    });

    it("reports a best-of-N conflict like any task's and keeps the chosen worktree", async () => {
      const { board } = await gitBoard('best-conflicted', [
        { id: 'first', command: 'printf "line 1\\nFIRST\\nline 3\\n" > shared.txt', priority: 10 },
        { id: 'pick' },
      ]);
      board.tasks[1]!.candidates = {
        count: 2,
        pick: 'first',
        // The first candidate clashes with `first` once it is merged; the second never passes (it is stopped).
        agents: [
          shell(`${untilIntegrated('shared.txt', 'FIRST')}; printf "line 1\\nPICK\\nline 3\\n" > shared.txt`),
          shell('sleep 300'),
        ],
      };
      const result = await h.run(board);

      const pick = task(result, 'pick');
      expect(pick.state).toBe('conflicted');
      expect(pick.reason).toBe('merge conflict in 1 file: shared.txt');
      expect(pick.conflictFiles).toEqual(['shared.txt']);
      await fs.access(path.join(pick.worktree!, 'shared.txt'));
      expect(pick.candidates!.find((c) => c.state === 'chosen')!.worktree).toBe(pick.worktree);
    });
  });
});
