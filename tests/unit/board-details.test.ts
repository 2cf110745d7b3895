/** The Temporal Web UI digest of a board: counts, spend, and failures by name, bounded. */
import { describe, expect, it } from 'vitest';
import { boardDigest, DIGEST_FAILURES } from '../../workflows/board-details.js';
import { countTasks, type BoardStatus, type TaskStatus } from '../../src/core/run-state.js';

describe('boardDigest', () => {
  it('says the state, counts, cost and the first failures', () => {
    const tasks: TaskStatus[] = [
      ...Array.from({ length: 15 }, (_, i): TaskStatus => ({
        id: `bad${i}`,
        state: 'failed',
        attempts: 2,
        reason: `exit 1\nline two of ${i}`,
      })),
      { id: 'ok', state: 'succeeded', attempts: 1 },
      { id: 'busy', state: 'running', attempts: 1 },
    ];
    const status: BoardStatus = {
      boardId: 'b',
      name: 'B',
      policy: 'eager',
      maxParallel: 3,
      state: 'running',
      startedAt: 0,
      counts: countTasks(tasks),
      tasks,
      usage: { inputTokens: 1000, outputTokens: 234, costUsd: 1.5 },
    };
    const digest = boardDigest(status, 65_000);
    expect(digest).toContain('**running** · 16/17 done in 1m5s · maxParallel 3');
    expect(digest).toContain('| 1 | 1 | 0 | 15 | 0 | 0 | 0 |');
    expect(digest).toContain('Spent: $1.50, 1,234 tokens');
    expect(digest).toContain('**Failed** (15):');
    expect(digest).toContain('- `bad0` failed: exit 1 line two of 0');
    expect(digest.split('\n').filter((l) => l.startsWith('- `'))).toHaveLength(DIGEST_FAILURES);
  });
});
