import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { makeTask } from '../support/boards.js';
import {
  MAX_RUNS,
  accumulate,
  asTaskOutcome,
  totalSpend,
  type AttemptRun,
  type TaskOutcome,
} from '../../src/core/outcome.js';
import { BoardScheduler } from '../../src/core/scheduler.js';
import { failureOutcome, SUCCESS_TAIL_CHARS, successOutcome } from '../../workflows/failures.js';

/**
 * Every field of TaskOutcome, set. `Required<>` makes a field added to the type fail to compile
 * here until the sample has it, and the tests below then check that it reaches the status.
 */
const EVERY_FIELD: Required<TaskOutcome> = {
  attempts: 2,
  durationMs: 1234,
  exitCode: 0,
  reason: 'why',
  logPath: '/data/attempt-2.log',
  outputTail: 'last words\n',
  outputBytes: 11,
  promptPath: '/data/prompt-2.md',
  agent: 'claude',
  usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.01 },
  summary: 'did it',
  validation: [{ command: 'make test', passed: true, required: true, exitCode: 0, durationMs: 40 }],
  validationLogPath: '/data/validation-2.log',
  candidates: [{ id: 't.c1', agent: 'claude', state: 'chosen', changedLines: 3 }],
  verdict: { verdict: 'changes', comment: 'name the constant' },
  commit: {
    sha: 'a'.repeat(40),
    branch: 'todone/b/t',
    changed: true,
    files: 1,
    paths: ['x'],
    insertions: 3,
    deletions: 0,
  },
  conflictFiles: ['x'],
  worktree: '/trees/t',
  output: { findings: ['a', 'b'] },
  aggregation: { kind: 'vote', votes: [{ value: 'yes', count: 2, from: ['x', 'y'] }] },
  runs: [
    {
      attempt: 1,
      host: '11@host-a#aaaaaa',
      log: '/a/attempt-1.log',
      startedAt: 50,
      endedAt: 90,
      usage: { inputTokens: 4, outputTokens: 1 },
    },
    { attempt: 2, host: '22@host-b#bbbbbb', log: '/b/attempt-2.log', startedAt: 100 },
  ],
  cache: {
    key: 'c'.repeat(64),
    hit: true,
    saved: { durationMs: 61_000, usage: { inputTokens: 9, outputTokens: 2 }, boardId: 'b', taskId: 't', at: 10 },
  },
};

const task = makeTask({ id: 't', command: 'true' });

describe('one outcome type', () => {
  it('every field of an outcome reaches the task status and the board result', () => {
    for (const end of ['succeed', 'fail'] as const) {
      const scheduler = new BoardScheduler({ tasks: [task], maxParallel: 1, policy: 'eager' });
      scheduler.startNext(100);
      if (end === 'succeed') scheduler.succeed('t', EVERY_FIELD, 200);
      else scheduler.fail('t', 'failed', EVERY_FIELD, 200);
      const [status] = scheduler.snapshot();
      expect(status).toEqual({
        ...EVERY_FIELD,
        id: 't',
        state: end === 'succeed' ? 'succeeded' : 'failed',
        startedAt: 100,
        endedAt: 200,
      });
      // What the workflow carries into a continued run and returns as its result is the snapshot.
      const carried = new BoardScheduler({ tasks: [task], maxParallel: 1, policy: 'eager' }, [
        JSON.parse(JSON.stringify(status)),
      ]);
      expect(carried.snapshot()[0]).toEqual(status);
    }
  });

  it("every field survives the trip through an activity failure's details", () => {
    const sent = JSON.parse(JSON.stringify(EVERY_FIELD)) as unknown;
    expect(asTaskOutcome(sent)).toEqual(EVERY_FIELD);
    const error = ApplicationFailure.create({ type: 'TaskFailed', message: 'exited with code 1', details: [sent] });
    expect(failureOutcome(error, task, undefined)).toEqual({ ...EVERY_FIELD, reason: 'exited with code 1' });
  });

  it('a success keeps everything, and of its output the last 512 characters (a remote client reads them)', () => {
    expect(successOutcome(EVERY_FIELD)).toEqual(EVERY_FIELD);
    const long = `${'x'.repeat(SUCCESS_TAIL_CHARS)}the end\n`;
    expect(successOutcome({ ...EVERY_FIELD, outputTail: long })).toEqual({
      ...EVERY_FIELD,
      outputTail: long.slice(-SUCCESS_TAIL_CHARS),
    });
    expect(successOutcome({ ...EVERY_FIELD, outputTail: long }).outputTail).toMatch(/x+the end\n$/);
  });

  it('refuses details that are not an outcome instead of trusting a cast', () => {
    expect(asTaskOutcome(undefined)).toBeUndefined();
    expect(asTaskOutcome('text')).toBeUndefined();
    expect(asTaskOutcome({ attempt: 1 })).toBeUndefined();
    expect(asTaskOutcome({ attempts: -1 })).toBeUndefined();
    expect(asTaskOutcome({ attempts: 1, reason: 42 })).toBeUndefined();
    expect(asTaskOutcome({ attempts: 1, usage: 'lots' })).toBeUndefined();
  });

  it("adds up attempts and usage across rounds and candidates, keeping the later stage's facts", () => {
    const first: TaskOutcome = {
      attempts: 2,
      reason: 'conflict',
      usage: { inputTokens: 10, outputTokens: 1, costUsd: 0.5 },
    };
    const second: TaskOutcome = { attempts: 1, exitCode: 0, usage: { inputTokens: 5, outputTokens: 2 } };
    expect(accumulate(first, second)).toEqual({
      attempts: 3,
      exitCode: 0,
      usage: { inputTokens: 15, outputTokens: 3, costUsd: 0.5 },
    });
    expect(accumulate(undefined, second)).toBe(second);
    expect(totalSpend([first, second, { attempts: 4 }])).toEqual({
      attempts: 7,
      usage: { inputTokens: 15, outputTokens: 3, costUsd: 0.5 },
    });
    expect(totalSpend([])).toEqual({ attempts: 0 });
  });

  it('lists the runs of every stage, oldest first, and keeps only the last few', () => {
    const run = (attempt: number, host: string): AttemptRun => ({
      attempt,
      host,
      log: `/${host}/attempt-${attempt}.log`,
    });
    const first: TaskOutcome = { attempts: 2, runs: [run(1, 'a'), run(2, 'b')] };
    const second: TaskOutcome = { attempts: 1, runs: [run(1, 'c')] };
    expect(accumulate(first, second).runs).toEqual([run(1, 'a'), run(2, 'b'), run(1, 'c')]);
    expect(accumulate(first, { attempts: 1 }).runs).toEqual(first.runs);
    expect(totalSpend([first, second]).runs?.map((r) => r.host)).toEqual(['a', 'b', 'c']);
    const many: TaskOutcome = { attempts: 12, runs: Array.from({ length: 12 }, (_, i) => run(i + 1, 'h')) };
    const kept = accumulate(first, many).runs!;
    expect(kept).toHaveLength(MAX_RUNS);
    expect(kept.at(-1)).toEqual(run(12, 'h'));
    expect(kept[0]).toEqual(run(3, 'h'));
  });
});
