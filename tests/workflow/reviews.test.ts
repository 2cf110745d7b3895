/**
 * Reviews that send work back, on the real server with real processes: a review reads the reviewed
 * task's work (its diff on a git board) and asks for changes once; the reviewed task runs again with
 * the comment, the review runs again and approves, and what depends on the reviewed work starts only
 * then. On a git board the integration branch holds the reworked commit once. A review out of rounds
 * fails with its last comment, and a review that gives no verdict fails its attempt.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/core/board.js';
import { gitSpec, makeBoard, makeTask, type TestTask } from '../support/boards.js';
import { countRuns } from '../support/evidence.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const review = (task: TestTask, reviews: string[], maxRounds = 2): TaskSpec => ({
  ...makeTask(task),
  type: 'review',
  reviews,
  maxRounds,
  dependsOn: [...new Set([...(task.dependsOn ?? []), ...reviews])],
});

/**
 * A shell review: counts its rounds in `evidence`, keeps each prompt, and answers with `verdicts`
 * (one per round, the last repeated) as TODONE_OUTPUT JSON.
 */
function reviewer(evidence: string, name: string, verdicts: { verdict: string; comment?: string }[]): string {
  const cases = verdicts.map((v, i) => `${i + 1}) printf '%s' '${JSON.stringify(v)}' > "$TODONE_OUTPUT";;`).join(' ');
  const last = `*) printf '%s' '${JSON.stringify(verdicts.at(-1))}' > "$TODONE_OUTPUT";;`;
  return (
    `n=$(($(cat ${evidence}/${name}.runs 2>/dev/null | wc -l) + 1)); echo run >> ${evidence}/${name}.runs; ` +
    `cp "$TODONE_PROMPT_FILE" ${evidence}/${name}.prompt-$n; case $n in ${cases} ${last} esac`
  );
}

/** The reviewed task: records each run and what it was told, writes value.txt depending on the feedback. */
function reviewed(evidence: string, name: string): string {
  return (
    `n=$(($(cat ${evidence}/${name}.runs 2>/dev/null | wc -l) + 1)); echo run >> ${evidence}/${name}.runs; ` +
    `printf '%s' "$TODONE_FEEDBACK" > ${evidence}/${name}.feedback-$n; cp "$TODONE_PROMPT_FILE" ${evidence}/${name}.prompt-$n; ` +
    `if [ -n "$TODONE_FEEDBACK" ]; then echo 'const VALUE = 1' > value.txt; else echo 'v = 1' > value.txt; fi; ` +
    `printf '{"round":%s}' $n > "$TODONE_OUTPUT"`
  );
}

describe('reviews', () => {
  it('a plain board: changes once, the reviewed task runs again with the comment, the review approves, its dependents start after', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('review-plain'), dir, [
      { id: 'api', command: reviewed(dir, 'api') },
      { id: 'other', command: 'true' },
    ]);
    const comment = 'Name the constant VALUE.\nIt is read by "ship".';
    board.tasks.push(
      review(
        { id: 'check', command: reviewer(dir, 'check', [{ verdict: 'changes', comment }, { verdict: 'approve' }]) },
        ['api'],
      ),
      // What depends on reviewed work waits for the review's approval (the loader adds the edge).
      makeTask({
        id: 'ship',
        dependsOn: ['api', 'check'],
        command: `test "$(wc -l < ${dir}/check.runs)" -eq 2 && cat value.txt > shipped.txt`,
        retry: { maxAttempts: 1 },
      }),
    );
    const result = await h.run(board);

    const task = (name: string) => result.tasks.find((t) => t.id === name)!;
    expect(result.state, JSON.stringify(result.tasks, null, 1)).toBe('completed');
    expect(await countRuns(dir, 'api')).toBe(2);
    expect(await countRuns(dir, 'check')).toBe(2);
    expect(await fs.readFile(path.join(dir, 'shipped.txt'), 'utf8')).toBe('const VALUE = 1\n');
    expect(await fs.readFile(path.join(dir, 'api.feedback-1'), 'utf8')).toBe('');
    expect(await fs.readFile(path.join(dir, 'api.feedback-2'), 'utf8')).toBe(comment);
    expect(await fs.readFile(path.join(dir, 'api.prompt-2'), 'utf8')).toContain('review "check" (round 1)');
    const first = await fs.readFile(path.join(dir, 'check.prompt-1'), 'utf8');
    expect(first).toContain('## Your review (round 1 of at most 2)');
    expect(first).toContain('"round": 1');
    const second = await fs.readFile(path.join(dir, 'check.prompt-2'), 'utf8');
    expect(second).toContain('## Your review (round 2 of at most 2)');
    expect(second).toContain('It was sent back last round with: Name the constant VALUE. It is read by "ship".');
    expect(second).toContain('This is the last round');
    expect(task('api')).toMatchObject({ state: 'succeeded', attempts: 2, round: 2, output: { round: 2 } });
    expect(task('api').decisions).toEqual([expect.objectContaining({ decision: 'changes', review: 'check', comment })]);
    expect(task('check')).toMatchObject({ state: 'succeeded', round: 2, verdict: { verdict: 'approve' } });
    expect(result.changes!.map((c) => c.detail)).toEqual([
      'review check (round 1): changes to api',
      'review check (round 2): approved api',
    ]);
  });

  it('maxRounds exhausted: the review fails with its last comment and what waits for it is skipped', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('review-rounds'), dir, [{ id: 'api', command: reviewed(dir, 'api') }]);
    board.tasks.push(
      review({ id: 'check', command: reviewer(dir, 'check', [{ verdict: 'changes', comment: 'still wrong' }]) }, [
        'api',
      ]),
      makeTask({ id: 'ship', dependsOn: ['api', 'check'], command: 'touch shipped' }),
    );
    const result = await h.run(board);
    const task = (name: string) => result.tasks.find((t) => t.id === name)!;
    expect(result.state).toBe('failed');
    expect(await countRuns(dir, 'api')).toBe(2);
    expect(await countRuns(dir, 'check')).toBe(2);
    expect(task('check')).toMatchObject({
      state: 'failed',
      reason: 'the review still asks for changes after 2 rounds (maxRounds 2): still wrong',
    });
    expect(task('ship')).toMatchObject({ state: 'skipped', reason: 'dependency "check" failed' });
    await expect(fs.access(path.join(dir, 'shipped'))).rejects.toThrow();
  });

  it('a review that gives no verdict fails its attempt, saying how to give one', async () => {
    const dir = await h.tempDir();
    const board = makeBoard(id('review-silent'), dir, [{ id: 'api', command: 'true' }]);
    board.tasks.push(
      review({ id: 'check', command: 'echo looks fine', retry: { maxAttempts: 1 } }, ['api']),
      review({ id: 'garbled', command: `printf '{"verdict":"maybe"}' > "$TODONE_OUTPUT"`, retry: { maxAttempts: 1 } }, [
        'other',
      ]),
    );
    board.tasks.push(makeTask({ id: 'other', command: 'true' }));
    const result = await h.run(board);
    const task = (name: string) => result.tasks.find((t) => t.id === name)!;
    expect(task('check').reason).toBe(
      'the review gave no verdict: write { "verdict": "approve" | "changes", "comment": "…" } to $TODONE_OUTPUT',
    );
    expect(task('garbled').reason).toBe(
      `the review gave no verdict: TODONE_OUTPUT's "verdict" must be "approve" or "changes", got "maybe"`,
    );
  });

  it('a git board: the review reads the diff, the rework comes in as a follow-up through the merge queue, once', async () => {
    const root = await h.tempDir('todone-git-review-');
    const evidence = path.join(root, 'evidence');
    await fs.mkdir(evidence);
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    const comment = 'Call it VALUE and make it a constant.';
    const board = makeBoard(
      id('review-git'),
      repo,
      [
        { id: 'api', command: reviewed(evidence, 'api') },
        { id: 'docs', command: 'echo docs > docs.txt' },
      ],
      { git: gitSpec(repo, path.join(root, 'worktrees'), { poolSize: 1 }) },
    );
    board.tasks.push(
      review(
        {
          id: 'check',
          command: reviewer(evidence, 'check', [{ verdict: 'changes', comment }, { verdict: 'approve' }]),
        },
        ['api'],
      ),
      makeTask({ id: 'ship', dependsOn: ['api', 'check'], command: 'cat value.txt > shipped.txt' }),
    );
    // The evidence folder is outside the repository: the confined tasks that write it are allowed to.
    for (const task of board.tasks.filter((t) => t.id === 'api' || t.id === 'check'))
      task.agent = { ...task.agent, writable: [evidence] };
    const result = await h.run(board);
    expect(result.state, JSON.stringify(result.tasks, null, 1)).toBe('completed');
    const branch = result.integration!.branch;
    expect(await showFile(repo, branch, 'value.txt')).toBe('const VALUE = 1');
    expect(await showFile(repo, branch, 'shipped.txt')).toBe('const VALUE = 1');

    // The review saw the change itself, then the rework's.
    expect(await fs.readFile(path.join(evidence, 'check.prompt-1'), 'utf8')).toMatch(/\+v = 1/);
    const second = await fs.readFile(path.join(evidence, 'check.prompt-2'), 'utf8');
    expect(second).toMatch(/-v = 1\n\+const VALUE = 1/);
    // The rework started on top of the first round's work, told why.
    expect(await fs.readFile(path.join(evidence, 'api.feedback-2'), 'utf8')).toBe(comment);

    // Each round of api came in once, through the queue: the reworked commit is on the branch once.
    const api = result.tasks.find((t) => t.id === 'api')!;
    const log = await git(repo, ['log', '--first-parent', '--format=%B%x00', branch]);
    const integrations = log.split('\0').filter((m) => m.includes('Todone-Task: api'));
    expect(integrations).toHaveLength(2);
    expect(integrations.filter((m) => m.includes(`Todone-Commit: ${api.commit!.sha}`))).toHaveLength(1);
    expect(api.commit!.integrated).toBeDefined();
    // No task branch is left behind.
    expect(await git(repo, ['branch', '--list', `todone/${board.id}/api*`])).toBe('');
  });
});
