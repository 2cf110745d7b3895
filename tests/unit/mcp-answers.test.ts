import { describe, expect, it } from 'vitest';
import { countTasks, type BoardStatus, type TaskStatus } from '../../src/core/run-state.js';
import { refusal } from '../../src/mcp/answers.js';
import { summarizeBoard } from '../../src/mcp/board-summary.js';
import { InvalidInputError } from '../../src/errors.js';

function status(tasks: TaskStatus[]): BoardStatus {
  return {
    boardId: 'big',
    name: 'Big',
    policy: 'eager',
    maxParallel: 8,
    state: 'running',
    startedAt: Date.now() - 60_000,
    counts: countTasks(tasks),
    tasks,
    seq: 42,
  };
}

describe('board summaries', () => {
  it("keep a 1,000-task board's answer small: counts plus the tasks that matter, failures first", () => {
    const tasks: TaskStatus[] = Array.from({ length: 1_000 }, (_, i) => ({
      id: `task-${i}`,
      state: i % 10 === 0 ? 'failed' : i % 7 === 0 ? 'running' : 'succeeded',
      attempts: 1,
      reason: i % 10 === 0 ? `exit 1: ${'x'.repeat(5_000)}` : undefined,
      summary: 'did the thing '.repeat(200),
    }));
    const answer = summarizeBoard(status(tasks));
    expect(answer.counts).toMatchObject({ total: 1_000, failed: 100 });
    const listed = answer.tasks as { id: string; state: string; reason?: string }[];
    expect(listed).toHaveLength(30);
    expect(listed.every((t) => t.state === 'failed')).toBe(true);
    expect(listed[0]!.reason!.length).toBeLessThanOrEqual(300);
    expect(answer.moreTasks).toMatch(/^1\d\d more not listed/);
    expect(answer.seq).toBe(42);
    expect(JSON.stringify(answer).length).toBeLessThan(12_000);
  });

  it('list what a filter selected, succeeded tasks included, up to the limit', () => {
    const tasks: TaskStatus[] = [
      { id: 'a', state: 'succeeded', attempts: 1, summary: 'made a' },
      { id: 'b', state: 'pending', attempts: 0 },
    ];
    const answer = summarizeBoard(status(tasks), { listed: 'all', limit: 1 });
    expect(answer.tasks).toEqual([{ id: 'a', state: 'succeeded', summary: 'made a' }]);
  });
});

describe('refusals', () => {
  it('carry the CLI message as text and every problem with its path', () => {
    const result = refusal(new InvalidInputError('board.yaml', [{ path: 'tasks[0].id', message: 'duplicate id "a"' }]));
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      { type: 'text', text: 'board.yaml is invalid (1 problem):\n  tasks[0].id: duplicate id "a"' },
    ]);
    expect(result.structuredContent).toMatchObject({
      problems: [{ path: 'tasks[0].id', message: 'duplicate id "a"' }],
    });
  });
});
