/**
 * Progress that scales: a line per task on small boards (or verbose), failures only on big ones,
 * and on a non-TTY a summary line with counts, rate and ETA every `summaryEveryMs`. Driven with a
 * fake clock so the timing is exact.
 */
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { BoardSnapshot } from '../../src/client/board-client.js';
import {
  countTasks,
  type BoardResult,
  type BoardStatus,
  type TaskState,
  type TaskStatus,
} from '../../src/core/run-state.js';
import { watchBoard } from '../../src/cli/watch/board-watch.js';
import { ProgressReporter } from '../../src/cli/progress/reporter.js';
import { RateMeter } from '../../src/cli/progress/rate.js';

function board(states: TaskState[]): BoardStatus {
  const tasks: TaskStatus[] = states.map((state, i) => ({
    id: `t${i}`,
    state,
    attempts: state === 'pending' ? 0 : 1,
    ...(state === 'failed' ? { reason: 'exit 1' } : {}),
  }));
  return {
    boardId: 'b',
    name: 'b',
    policy: 'eager',
    maxParallel: 4,
    state: 'running',
    startedAt: 0,
    counts: countTasks(tasks),
    tasks,
  };
}

function capture(options: Partial<ConstructorParameters<typeof ProgressReporter>[0]> = {}) {
  const out: string[] = [];
  let now = 0;
  // Colours come and go with the environment (picocolors turns them on under CI=true): read the text.
  const plain = (text: string) => stripVTControlCharacters(text);
  const reporter = new ProgressReporter({
    write: (text) => out.push(...plain(text).trimEnd().split('\n')),
    isTTY: false,
    now: () => now,
    ...options,
  });
  return { out, reporter, at: (ms: number) => (now = ms) };
}

describe('ProgressReporter', () => {
  it('prints a line per task change on a small board', () => {
    const { out, reporter } = capture();
    reporter.update(board(['running', 'pending']));
    reporter.update(board(['succeeded', 'running']));
    expect(out.filter((l) => /t0 started|t0 succeeded|t1 started/.test(l))).toHaveLength(3);
  });

  it('a task that started and finished between two polls still gets its started line', () => {
    const { out, reporter } = capture();
    reporter.update(board(['pending', 'pending']));
    reporter.update(board(['succeeded', 'failed']));
    expect(out.filter((l) => / started| succeeded| failed/.test(l)).map((l) => l.replace(/^\S+ \S+ /, ''))).toEqual([
      't0 started',
      't0 succeeded in 0ms',
      't1 started',
      't1 failed after 1 attempt: exit 1',
    ]);
  });

  it('says once when a task starts waiting for a worker with its capabilities, and once when one takes it', () => {
    const { out, reporter } = capture();
    const wait = { taskId: 't0', requires: ['cuda', 'gpu'], queue: 'todone@cuda+gpu' };
    const poll = (states: TaskState[], waits: (typeof wait)[]) => {
      const status = board(states);
      reporter.capabilityWaits(waits, status);
      reporter.update(status);
    };
    poll(['running', 'running', 'running'], [wait]);
    poll(['running', 'running', 'running'], [wait]);
    poll(['running', 'running', 'running'], []);
    // t1 is taken and finishes between two polls: taken first, then its own line.
    poll(['running', 'running', 'running'], [{ ...wait, taskId: 't1' }]);
    poll(['running', 'succeeded', 'running'], []);
    // t2 waits, then is cancelled before anyone takes it: its own line says how it ended.
    poll(['running', 'succeeded', 'running'], [{ ...wait, taskId: 't2' }]);
    poll(['running', 'succeeded', 'cancelled'], []);
    const waitLine = (id: string) =>
      `${id} waiting for a worker with capabilities cuda+gpu (none is polling todone@cuda+gpu): start \`todone worker --capability cuda --capability gpu\``;
    expect(
      out.filter((l) => /waiting|taken|succeeded|cancelled/.test(l)).map((l) => l.replace(/^\S+ \S+ /, '')),
    ).toEqual([
      waitLine('t0'),
      't0 taken by a worker with cuda+gpu',
      waitLine('t1'),
      't1 taken by a worker with cuda+gpu',
      't1 succeeded in 0ms',
      waitLine('t2'),
      't2 cancelled',
    ]);
  });

  it('a waiting task taken and finished with the whole board between two polls still gets its taken line', async () => {
    const { out, reporter } = capture();
    const wait = { taskId: 't0', requires: ['gpu'], queue: 'todone@gpu' };
    let finish: (result: BoardResult) => void = () => undefined;
    const final = new Promise<BoardResult>((resolve) => (finish = resolve));
    await watchBoard({
      // One poll sees t0 waiting; the board's result comes before the next.
      snapshot: () => {
        finish(board(['succeeded']) as BoardResult);
        return Promise.resolve({ answered: true, status: board(['running']), waiting: [wait] } as BoardSnapshot);
      },
      result: () => final,
      recovery: { recover: () => Promise.resolve(false) },
      reporter,
      noWorkerMessage: '',
      pollMs: 1,
    });
    expect(out.filter((l) => /waiting|taken|succeeded/.test(l)).map((l) => l.replace(/^\S+ \S+ /, ''))).toEqual([
      't0 waiting for a worker with capability gpu (none is polling todone@gpu): start `todone worker --capability gpu`',
      't0 taken by a worker with gpu',
      't0 succeeded in 0ms',
    ]);
  });

  it('on a big board prints failures only, at most failureLineLimit of them, then one line for the rest', () => {
    const { out, reporter } = capture({ failureLineLimit: 3 });
    const states: TaskState[] = Array.from({ length: 400 }, (_, i) =>
      i < 10 ? 'failed' : i < 300 ? 'succeeded' : 'running',
    );
    reporter.update(board(states));
    expect(out.filter((l) => / started| succeeded/.test(l))).toEqual([]);
    expect(out.filter((l) => /t\d+ failed after/.test(l))).toHaveLength(3);
    expect(out.filter((l) => l.includes('more tasks failed'))).toHaveLength(1);
  });

  it('with verbose prints every task of a big board', () => {
    const { out, reporter } = capture({ verbose: true });
    reporter.update(board(Array.from({ length: 400 }, () => 'running' as const)));
    expect(out.filter((l) => / started/.test(l))).toHaveLength(400);
  });

  it('not on a TTY: a summary every summaryEveryMs with counts, rate and ETA', () => {
    const { out, reporter, at } = capture({ summaryEveryMs: 10_000 });
    const states = (done: number): TaskState[] =>
      Array.from({ length: 400 }, (_, i) => (i < done ? 'succeeded' : i < done + 4 ? 'running' : 'pending'));
    for (let s = 0; s <= 30; s++) {
      at(s * 1_000);
      reporter.update(board(states(s * 10)));
    }
    const summaries = out.filter((l) => l.includes('progress:'));
    expect(summaries).toHaveLength(3);
    expect(summaries[2]).toMatch(/300\/400 75% · 4 running · 96 pending · 10\.0 tasks\/s · ETA 10\.0s · /);
  });
});

describe('RateMeter', () => {
  it('measures over the last minute, not since the start', () => {
    const meter = new RateMeter();
    const counts = (succeeded: number) => ({
      total: 1000,
      pending: 1000 - succeeded,
      running: 0,
      succeeded,
      failed: 0,
      conflicted: 0,
      skipped: 0,
      cancelled: 0,
    });
    // Slow for two minutes, then fast for a minute: the rate is the recent one.
    for (let s = 0; s <= 120; s += 5) meter.add(s * 1000, counts(s / 5));
    for (let s = 125; s <= 180; s += 5) meter.add(s * 1000, counts(24 + (s - 120) * 2));
    expect(meter.perSecond()).toBeCloseTo(2, 0);
    expect(meter.etaMs(counts(144))).toBeGreaterThan(0);
  });
});
