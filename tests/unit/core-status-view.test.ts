import { describe, expect, it } from 'vitest';
import type { TaskState, TaskStatus } from '../../src/core/run-state.js';
import { BoardScheduler } from '../../src/core/scheduler.js';
import { FULL_STATUS_TASKS, MAX_TASKS_PER_ANSWER, selectTasks, type StatusSource } from '../../src/core/status-view.js';
import { makeBoard } from '../support/boards.js';

function sourceOf(scheduler: BoardScheduler, total: number): StatusSource {
  return {
    total,
    seq: scheduler.changeSeq,
    all: () => scheduler.snapshot(),
    changedSince: (seq) => scheduler.changedSince(seq),
    byId: (id) => scheduler.statusOf(id),
    recentlyEnded: () => scheduler.recentlyEnded(),
  };
}

function chainFree(count: number): BoardScheduler {
  const board = makeBoard(
    'big',
    '/tmp',
    Array.from({ length: count }, (_, i) => ({ id: `t${i}` })),
    { maxParallel: 10 },
  );
  return new BoardScheduler(board);
}

const states = (tasks: TaskStatus[]): Partial<Record<TaskState, number>> =>
  tasks.reduce<Partial<Record<TaskState, number>>>((acc, t) => ({ ...acc, [t.state]: (acc[t.state] ?? 0) + 1 }), {});

describe('status answers', () => {
  it('a small board answers with every task, as it always did', () => {
    const scheduler = chainFree(FULL_STATUS_TASKS);
    const answer = selectTasks(sourceOf(scheduler, FULL_STATUS_TASKS), undefined);
    expect(answer.tasks).toHaveLength(FULL_STATUS_TASKS);
    expect(answer.page).toBeUndefined();
  });

  it('a big board answers with running, troubled and recently ended tasks only', () => {
    const total = 3_000;
    const scheduler = chainFree(total);
    let now = 0;
    // 100 succeed, 7 fail, 10 run.
    for (let round = 0; round < 11; round++) {
      for (const id of scheduler.startNext(now++)) {
        if (round === 10) continue;
        if (round === 3 && id.endsWith('3')) scheduler.fail(id, 'failed', { attempts: 3, reason: 'boom' }, now++);
        else scheduler.succeed(id, { attempts: 1 }, now++);
      }
    }
    const answer = selectTasks(sourceOf(scheduler, total), undefined);
    expect(answer.page).toEqual({ kind: 'relevant', matched: total, offset: 0, more: true });
    const shown = states(answer.tasks);
    expect(shown.running).toBe(10);
    expect(shown.failed).toBeGreaterThan(0);
    expect(shown.pending).toBeUndefined();
    expect(answer.tasks.length).toBeLessThanOrEqual(10 + (shown.failed ?? 0) + 50);
    expect(JSON.stringify(answer).length).toBeLessThan(64 * 1024);
  });

  it('pages through every task, and filters by state and id', () => {
    const total = 2_500;
    const scheduler = chainFree(total);
    scheduler.startNext(1);
    const source = sourceOf(scheduler, total);
    const seen: string[] = [];
    for (let offset = 0; ;) {
      const { tasks, page } = selectTasks(source, { all: true, offset });
      expect(tasks.length).toBeLessThanOrEqual(MAX_TASKS_PER_ANSWER);
      seen.push(...tasks.map((t) => t.id));
      offset += tasks.length;
      if (!page!.more) break;
    }
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => `t${i}`));
    expect(selectTasks(source, { states: ['running'] }).tasks).toHaveLength(10);
    expect(selectTasks(source, { ids: ['t7', 'nope', 't9'] }).tasks.map((t) => t.id)).toEqual(['t7', 't9']);
    expect(selectTasks(source, { all: true, limit: 5, offset: 2_498 })).toMatchObject({
      page: { matched: total, offset: 2_498, more: false },
    });
  });

  it('answers what changed since an earlier answer, and carries the counter into a continued run', () => {
    const scheduler = chainFree(20);
    scheduler.startNext(1);
    const seen = scheduler.changeSeq;
    scheduler.succeed('t0', { attempts: 1 }, 2);
    scheduler.succeed('t1', { attempts: 1 }, 3);
    const changed = selectTasks(sourceOf(scheduler, 20), { changedSince: seen }).tasks;
    // t0 and t1 ended; two queued tasks were not started yet, so only the two endings changed.
    expect(changed.map((t) => [t.id, t.state])).toEqual([
      ['t0', 'succeeded'],
      ['t1', 'succeeded'],
    ]);
    const carried = new BoardScheduler(
      makeBoard(
        'big',
        '/tmp',
        Array.from({ length: 20 }, (_, i) => ({ id: `t${i}` })),
      ),
      scheduler.snapshot(),
      scheduler.changeSeq,
    );
    expect(carried.changeSeq).toBe(scheduler.changeSeq);
    expect(carried.changedSince(scheduler.changeSeq)).toEqual([]);
    carried.startNext(4);
    expect(carried.changedSince(scheduler.changeSeq).length).toBeGreaterThan(0);
  });
});
