/**
 * The pure parts of people in the loop: approval gates and reviews as the loader reads them, the
 * scheduler's gate and review transitions, a review's verdict read from what its agent left, a
 * notification's text, the report's time waiting for people and the Web UI digest.
 */
import { describe, expect, it } from 'vitest';
import { readAddedTasks } from '../../src/board/added-tasks.js';
import { normaliseBoard } from '../../src/board/load.js';
import type { TaskSpec } from '../../src/core/board.js';
import { awaitingApproval, escape, reviewChanges, taskFailed } from '../../src/core/notification.js';
import { countTasks, type BoardStatus } from '../../src/core/run-state.js';
import { BoardScheduler } from '../../src/core/scheduler.js';
import { clipComment, readVerdict } from '../../src/core/verdict.js';
import { analyzeBoard } from '../../src/report/analyze.js';
import { boardDigest } from '../../workflows/board-details.js';
import { taskInput } from '../../workflows/task-input.js';
import { loaderIssues } from '../support/board-issues.js';
import { makeBoard } from '../support/boards.js';

const load = (raw: Record<string, unknown>) =>
  normaliseBoard({ name: 'people', agent: 'true', ...raw }, { source: 'board', baseDir: '/tmp' });
const byId = (tasks: TaskSpec[]) => Object.fromEntries(tasks.map((t) => [t.id, t]));

describe('the loader', () => {
  it('reads gates on a task, per type and board-wide; a task says none', () => {
    const board = load({
      approval: { deploy: 'required', build: { timeout: '2d', onTimeout: 'approve' } },
      tasks: [
        { id: 'b', type: 'build' },
        { id: 'd', type: 'deploy' },
        { id: 'd2', type: 'deploy', approval: 'none' },
        { id: 'g', approval: { before: true } },
        { id: 'plain' },
      ],
    });
    const t = byId(board.tasks);
    expect(t.b!.approval).toEqual({ before: false, timeoutMs: 172_800_000, onTimeout: 'approve' });
    expect(t.d!.approval).toEqual({ before: false });
    expect(t.d2!.approval).toBeUndefined();
    expect(t.g!.approval).toEqual({ before: true });
    expect(t.plain!.approval).toBeUndefined();
    expect(byId(load({ approval: 'required', tasks: [{ id: 'a' }] }).tasks).a!.approval).toEqual({ before: false });
    expect(byId(load({ approval: { timeout: 60 }, tasks: [{ id: 'a' }] }).tasks).a!.approval).toEqual({
      before: false,
      timeoutMs: 60_000,
      onTimeout: 'fail',
    });
  });

  it('makes a review depend on what it reviews, and what depends on reviewed work wait for the review', () => {
    const board = load({
      tasks: [
        { id: 'api' },
        { id: 'ui' },
        { id: 'check', type: 'review', reviews: ['api', 'ui'] },
        { id: 'ship', dependsOn: ['api'] },
        { id: 'docs', dependsOn: ['check'] },
        { id: 'solo', reviews: 'docs', maxRounds: 5 },
      ],
    });
    const t = byId(board.tasks);
    expect(t.check).toMatchObject({ dependsOn: ['api', 'ui'], reviews: ['api', 'ui'], maxRounds: 2 });
    expect(t.ship!.dependsOn).toEqual(['api', 'check']);
    expect(t.docs!.dependsOn).toEqual(['check']);
    expect(t.solo).toMatchObject({ dependsOn: ['docs'], reviews: ['docs'], maxRounds: 5 });
  });

  it('refuses what cannot work, naming each field', () => {
    const issues = loaderIssues(() =>
      load({
        approval: { befor: true },
        notify: [{ url: 'ftp://x', events: ['board.done'] }, { url: { fromEnv: '1BAD' } }],
        tasks: [
          { id: 'a', approval: 'yes' },
          { id: 'b', approval: { before: true, timeout: '1h', onTimeout: 'reject' } },
          { id: 'c', approval: { onTimeout: 'fail' } },
          { id: 'r1', reviews: ['a', 'zz', 'r1'], maxRounds: 0 },
          { id: 'r2', reviews: 'a' },
          { id: 'm', maxRounds: 2 },
          { id: 'agg', aggregate: 'concat', dependsOn: ['a'] },
          { id: 'r3', reviews: ['agg'], attempts: 2 },
        ],
      }),
    );
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual(
      expect.arrayContaining([
        'approval.befor: unknown field',
        'notify[0].url: expected an http:// or https:// URL with a host, got "ftp://x"',
        expect.stringMatching(/^notify\[0\]\.events\[0\]: expected one of "board.finished", .*got "board.done"$/),
        expect.stringMatching(/^notify\[1\]\.url\.fromEnv: expected a variable name/),
        'tasks[0].approval: expected required, none, or a gate mapping (before, timeout, onTimeout), got "yes"',
        'tasks[1].approval.onTimeout: a gate before the task starts has no work to send back: onTimeout approve or fail',
        'tasks[2].approval.onTimeout: onTimeout needs a timeout (e.g. timeout: 2d)',
        'tasks[3].maxRounds: expected a whole number from 1 to 20, got 0',
        'tasks[3].reviews[1]: unknown task "zz"',
        'tasks[3].reviews[2]: task "r1" cannot review itself',
        'tasks[4].reviews[0]: task "a" is already reviewed at tasks[3].reviews[0]: one review a task',
        'tasks[5].maxRounds: maxRounds counts the rounds of a review: give the task reviews',
        'tasks[7].attempts: a review gives one verdict: best of N does not apply',
        'tasks[7].reviews[0]: task "agg" combines outputs (aggregate): there is no agent to send its work back to',
      ]),
    );
  });

  it('refuses a cycle through a review, saying why', () => {
    const issues = loaderIssues(() =>
      load({ tasks: [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'r', reviews: ['a'], dependsOn: ['b'] }] }),
    );
    expect(issues).toEqual([
      {
        path: 'tasks',
        message:
          'dependency cycle through a review: b -> r -> b (a review waits for the tasks it reviews, and whatever depends on them waits for the review)',
      },
    ]);
  });

  it('tasks added to a running board: a dependent of reviewed work waits for its review; a review of a task already there is refused', () => {
    const board = load({ tasks: [{ id: 'api' }, { id: 'check', reviews: ['api'] }] });
    const added = readAddedTasks(board, [{ id: 'ship', dependsOn: 'api' }]);
    expect(added).toEqual({ tasks: [expect.objectContaining({ id: 'ship', dependsOn: ['api', 'check'] })] });
    const refused = readAddedTasks(board, [{ id: 'again', reviews: ['api'] }]);
    expect('problems' in refused && refused.problems).toContainEqual({
      path: 'tasks[0].reviews[0]',
      message: 'task "api" is already on the board: a review added to a running board reviews tasks added with it',
    });
    expect(readAddedTasks(board, [{ id: 'new' }, { id: 'its-review', reviews: ['new'] }])).toEqual({
      tasks: [
        expect.objectContaining({ id: 'new' }),
        expect.objectContaining({ id: 'its-review', dependsOn: ['new'] }),
      ],
    });
  });
});

describe('the scheduler', () => {
  const gatedBoard = (approval: TaskSpec['approval']) => {
    const board = makeBoard('s', '/w', [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }, { id: 'c' }], { maxParallel: 1 });
    board.tasks[0] = { ...board.tasks[0]!, approval };
    return board;
  };

  it('work waiting for approval holds no slot and keeps its dependents waiting; approved, it runs on to success', () => {
    const s = new BoardScheduler(gatedBoard({ before: false, timeoutMs: 1_000, onTimeout: 'fail' }));
    expect(s.startNext(0)).toEqual(['a']);
    s.awaitApproval('a', { attempts: 1, outputTail: 'done' }, 10);
    expect(s.statusOf('a')).toMatchObject({
      state: 'awaiting-approval',
      approval: { gate: 'after', since: 10, deadline: 1_010, onTimeout: 'fail' },
    });
    expect(s.startNext(11)).toEqual(['c']);
    expect(s.done).toBe(false);
    expect(s.counts).toMatchObject({ running: 1, awaitingApproval: 1 });
    expect(s.approve('a', 50, { by: 'ann', comment: 'ok' })).toBe('resumed');
    expect(s.statusOf('a')).toMatchObject({ state: 'running', waitedMs: 40 });
    expect(s.statusOf('a')!.approval).toBeUndefined();
    s.succeed('a', { attempts: 1 }, 60);
    s.succeed('c', { attempts: 1 }, 61);
    expect(s.startNext(62)).toEqual(['b']);
    expect(s.statusOf('a')!.decisions).toEqual([{ at: 50, decision: 'approve', by: 'ann', comment: 'ok' }]);
  });

  it('a rejection sends the work back with its spend and where it starts; final, the task fails and its dependents are skipped', () => {
    const s = new BoardScheduler(gatedBoard({ before: false }));
    s.startNext(0);
    const commit = {
      sha: 'a'.repeat(40),
      branch: 'todone/s/a',
      changed: true,
      files: 1,
      paths: ['x'],
      insertions: 1,
      deletions: 0,
    };
    s.awaitApproval('a', { attempts: 2, usage: { inputTokens: 5, outputTokens: 1 }, commit }, 10);
    s.reject(
      'a',
      20,
      { by: 'bob', comment: 'again', reason: 'rejected by bob: again' },
      { from: 'rejected by bob', comment: 'again' },
    );
    expect(s.statusOf('a')).toMatchObject({
      state: 'pending',
      attempts: 2,
      usage: { inputTokens: 5, outputTokens: 1 },
      feedback: { from: 'rejected by bob', comment: 'again' },
      rework: { startSha: commit.sha, startBranch: commit.branch },
      waitedMs: 10,
    });
    // Carried across continue-as-new, a task sent back keeps what its next run needs.
    const carried = new BoardScheduler(gatedBoard({ before: false }), s.snapshot());
    expect(carried.statusOf('a')).toMatchObject({ state: 'pending', rework: { startSha: commit.sha }, attempts: 2 });
    expect(s.startNext(21)).toEqual(['a']);
    s.awaitApproval('a', { attempts: 3 }, 30);
    expect(s.reject('a', 31, { final: true, comment: 'no', reason: 'rejected: no' }, undefined)).toEqual(['b']);
    expect(s.statusOf('a')).toMatchObject({ state: 'failed', reason: 'rejected: no', attempts: 3 });
    expect(s.statusOf('a')!.decisions!.map((d) => d.decision)).toEqual(['reject', 'reject']);
  });

  it('a gate before the start holds a ready task without a slot; approved it becomes ready; carried, it keeps waiting', () => {
    const s = new BoardScheduler(gatedBoard({ before: true }));
    expect(s.startNextUntil(0)).toEqual({ started: ['c'], held: ['a'] });
    expect(s.awaitingApproval).toEqual(['a']);
    const carried = new BoardScheduler(gatedBoard({ before: true }), s.snapshot());
    expect(carried.statusOf('a')).toMatchObject({ state: 'awaiting-approval', approval: { gate: 'before' } });
    expect(carried.done).toBe(false);
    s.succeed('c', { attempts: 1 }, 1);
    expect(s.approve('a', 5)).toBe('ready');
    expect(s.startNextUntil(6)).toEqual({ started: ['a'], held: [] });
    expect(s.statusOf('a')!.cleared).toBe(true);
  });

  it("a review's changes reopen the reviewed task on top of its work and make the review and the dependents wait again", () => {
    const board = makeBoard('r', '/w', [
      { id: 'api' },
      { id: 'check', dependsOn: ['api'] },
      { id: 'ship', dependsOn: ['api', 'check'] },
    ]);
    board.tasks[1] = { ...board.tasks[1]!, reviews: ['api'], maxRounds: 2 };
    const s = new BoardScheduler(board);
    s.startNext(0);
    s.succeed('api', { attempts: 1, usage: { inputTokens: 1, outputTokens: 1 } }, 1);
    expect(s.startNext(2)).toEqual(['check']);
    const sent = s.requestChanges(
      'check',
      ['api'],
      { attempts: 1, verdict: { verdict: 'changes', comment: 'fix' } },
      'fix',
      3,
    );
    expect(sent).toEqual(['api']);
    expect(s.statusOf('api')).toMatchObject({
      state: 'pending',
      round: 2,
      attempts: 1,
      feedback: { from: 'review "check" (round 1)', comment: 'fix' },
      rework: {},
    });
    expect(s.statusOf('check')).toMatchObject({ state: 'pending', round: 2, verdict: { verdict: 'changes' } });
    expect(s.startNext(4)).toEqual(['api']);
    s.succeed('api', { attempts: 2 }, 5);
    expect(s.startNext(6)).toEqual(['check']);
    s.succeed('check', { attempts: 2 }, 7);
    expect(s.startNext(8)).toEqual(['ship']);
    expect(s.statusOf('api')).toMatchObject({ state: 'succeeded', round: 2 });
  });

  it('cancelling the board cancels tasks waiting for approval too', () => {
    const s = new BoardScheduler(gatedBoard({ before: false }));
    s.startNext(0);
    s.awaitApproval('a', { attempts: 1 }, 1);
    s.cancelAllPending('enough', 2);
    expect(s.statusOf('a')!.state).toBe('cancelled');
    // Nothing runs and nobody is waited for: the board can end.
    expect(s.done).toBe(true);
  });
});

describe('a review verdict', () => {
  it('from TODONE_OUTPUT JSON, or the last VERDICT line of the closing message with its comment', () => {
    expect(readVerdict({ verdict: 'changes', comment: 'Rename it.' }, undefined)).toEqual({
      verdict: 'changes',
      comment: 'Rename it.',
    });
    expect(readVerdict({ verdict: 'Approve' }, 'VERDICT: changes')).toEqual({ verdict: 'approve' });
    expect(readVerdict({ verdict: 'maybe' }, undefined)).toEqual({
      problem: `TODONE_OUTPUT's "verdict" must be "approve" or "changes", got "maybe"`,
    });
    expect(readVerdict({ verdict: 'changes', comment: 3 }, undefined)).toEqual({
      problem: `TODONE_OUTPUT's "comment" must be a string, got 3`,
    });
    expect(readVerdict({ findings: [] }, 'All good.\n\nVERDICT: approve')).toEqual({
      verdict: 'approve',
      comment: 'All good.',
    });
    expect(
      readVerdict(undefined, 'I checked it.\n**VERDICT: changes** — the loop is off by one.\nAlso add a test.'),
    ).toEqual({
      verdict: 'changes',
      comment: 'the loop is off by one.\nAlso add a test.',
    });
    expect(
      readVerdict(undefined, 'Reply with VERDICT: approve or VERDICT: changes.\n\nVERDICT: changes\nToo slow.'),
    ).toEqual({
      verdict: 'changes',
      comment: 'Too slow.',
    });
    expect(readVerdict(undefined, 'no verdict here')).toBeUndefined();
    expect(readVerdict(undefined, undefined)).toBeUndefined();
  });

  it('keeps no control characters a NUL or a terminal would choke on, and is bounded', () => {
    expect(clipComment('a\u0000b\u001b[31mc\td\ne')).toBe('ab[31mc\td\ne');
    const long = clipComment('x'.repeat(20_000));
    expect(long).toHaveLength(8_000);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('notifications', () => {
  const board = {
    id: 'b',
    name: 'B <&>',
    state: 'running' as const,
    counts: countTasks([]),
    workflowId: 'todone-board-b',
  };
  it("say what happened in Slack's words, escaping what tasks wrote", () => {
    const failed = taskFailed(board, 0, { id: 't<1>', state: 'failed', reason: '<!channel> & <https://x|y>' });
    expect(failed.text).toBe(
      'Board *B &lt;&amp;&gt;*: task `t&lt;1&gt;` failed: &lt;!channel&gt; &amp; &lt;https://x|y&gt;',
    );
    expect(failed.task).toEqual({ id: 't<1>', state: 'failed', reason: '<!channel> & <https://x|y>' });
    expect(escape('a&b<c>')).toBe('a&amp;b&lt;c&gt;');
    const waiting = awaitingApproval(board, 0, { id: 'd', gate: 'before', deadline: 3_600_000, onTimeout: 'fail' });
    expect(waiting.text).toBe(
      'Board *B &lt;&amp;&gt;*: task `d` waits for your approval to start. If nobody decides within 1h: fail. `todone approve b d` or `todone reject b d --comment "…"`',
    );
    expect(waiting.task).toMatchObject({ gate: 'before', deadline: '1970-01-01T01:00:00.000Z' });
    const changes = reviewChanges(board, 0, {
      id: 'r',
      round: 1,
      maxRounds: 2,
      sentBack: ['api'],
      comment: 'x'.repeat(2_000),
    });
    expect(changes.text.length).toBeLessThan(700);
    expect(changes.task!.comment!.length).toBe(500);
  });
});

describe('reports and digests', () => {
  const status = (): BoardStatus => {
    const tasks = [
      {
        id: 'gate',
        state: 'succeeded' as const,
        attempts: 1,
        startedAt: 0,
        endedAt: 100_000,
        durationMs: 10_000,
        waitedMs: 90_000,
      },
      {
        id: 'waiting',
        state: 'awaiting-approval' as const,
        attempts: 1,
        startedAt: 100_000,
        durationMs: 1_000,
        approval: { gate: 'after' as const, since: 101_000, deadline: 200_000, onTimeout: 'approve' as const },
      },
    ];
    return {
      boardId: 'b',
      name: 'B',
      policy: 'eager',
      maxParallel: 2,
      state: 'running',
      startedAt: 0,
      counts: countTasks(tasks),
      tasks,
    };
  };

  it('the report counts the time waited for people apart from other waits, a wait still going on too', () => {
    const report = analyzeBoard({ status: status(), now: 131_000 });
    const gate = report.tasks.find((t) => t.id === 'gate')!;
    expect(gate).toMatchObject({ waitPeopleMs: 90_000, busyMs: 10_000 });
    expect(report.tasks.find((t) => t.id === 'waiting')!.waitPeopleMs).toBe(30_000);
    expect(report.bottlenecks.peopleWaitMs).toBe(120_000);
    expect(report.bottlenecks.recommendations.join('\n')).toMatch(
      /tasks waited 2m for approval \(92% of the wall time\)/,
    );
  });

  it('the Web UI digest lists what waits for approval, since when, and the command that decides', () => {
    const digest = boardDigest(status(), 131_000);
    expect(digest).toContain('| succeeded | running | awaiting approval | pending |');
    expect(digest).toContain('**Waiting for approval** (1):');
    expect(digest).toContain(
      '- `waiting` its work, since 1970-01-01 00:01:41 (30.0s; approve at 1970-01-01 00:03:20): `todone approve b waiting`',
    );
  });
});

describe('the result cache and people in the loop', () => {
  it('never reads work sent back, or a review, from the cache', () => {
    const board = makeBoard('cached-review', '/tmp/x', [{ id: 'api' }, { id: 'check', dependsOn: ['api'] }]);
    const cache = { inputs: ['src/**'] };
    board.tasks = board.tasks.map((t) =>
      t.id === 'check' ? { ...t, cache, type: 'review', reviews: ['api'], maxRounds: 2 } : { ...t, cache },
    );
    const s = new BoardScheduler(board);
    const [api, check] = board.tasks as [TaskSpec, TaskSpec];
    expect(taskInput(board, api, s, {}, '/tmp/x').cache).toEqual(cache);
    const sentBack = { from: 'review "check" (round 1)', comment: 'rename it', onEarlierWork: true };
    expect(taskInput(board, api, s, {}, '/tmp/x', undefined, sentBack).cache).toBeUndefined();
    expect(taskInput(board, check, s, {}, '/tmp/x').cache).toBeUndefined();
  });
});
