import proto from '@temporalio/proto';
import type { Context } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { CancelledFailure } from '@temporalio/common';
import { beginsLate, cancelledBecause, supersededBecause } from '../../activities/attempt-current.js';

const { PENDING_ACTIVITY_STATE_STARTED: STARTED, PENDING_ACTIVITY_STATE_SCHEDULED: SCHEDULED } =
  proto.temporal.api.enums.v1.PendingActivityState;

const NOW = 1_000_000;

function context(
  scheduledAgoMs: number,
  pending: { activityId: string; attempt: number; state: number }[] | Error,
): { ctx: Pick<Context, 'info' | 'client'>; asked: () => number } {
  let asked = 0;
  const info = {
    activityId: 'task-t1',
    attempt: 2,
    heartbeatTimeoutMs: 2_000,
    currentAttemptScheduledTimestampMs: NOW - scheduledAgoMs,
    workflowExecution: { workflowId: 'todone-board-b', runId: 'r' },
  } as Context['info'];
  const client = {
    workflow: {
      getHandle: () => ({
        describe: () => {
          asked++;
          return pending instanceof Error
            ? Promise.reject(pending)
            : Promise.resolve({ raw: { pendingActivities: pending } });
        },
      }),
    },
  } as unknown as Context['client'];
  return { ctx: { info, client }, asked: () => asked };
}

describe('supersededBecause', () => {
  it('does not ask the server when the attempt was scheduled within half its heartbeat timeout', async () => {
    const { ctx, asked } = context(1_000, []);
    expect(await supersededBecause(ctx, NOW)).toBeUndefined();
    expect(asked()).toBe(0);
  });

  it('asks once the attempt was scheduled more than half its heartbeat timeout ago, though within it', async () => {
    // The seed-13 chaos case: handed to a paused worker's poll 1.5 s of 2 s before it woke.
    const { ctx, asked } = context(1_500, [{ activityId: 'task-t1', attempt: 3, state: STARTED }]);
    expect(await supersededBecause(ctx, NOW)).toBe('the server is on attempt 3 of it');
    expect(asked()).toBe(1);
  });

  it('is current when the server holds this attempt as started', async () => {
    const { ctx, asked } = context(10_000, [{ activityId: 'task-t1', attempt: 2, state: STARTED }]);
    expect(await supersededBecause(ctx, NOW)).toBeUndefined();
    expect(asked()).toBe(1);
  });

  it('says why when the server has moved on: a later attempt, none pending, scheduled again', async () => {
    const later = context(10_000, [{ activityId: 'task-t1', attempt: 3, state: STARTED }]);
    expect(await supersededBecause(later.ctx, NOW)).toBe('the server is on attempt 3 of it');
    const gone = context(10_000, [{ activityId: 'task-other', attempt: 2, state: STARTED }]);
    expect(await supersededBecause(gone.ctx, NOW)).toMatch(/no longer has it pending/);
    const again = context(10_000, [{ activityId: 'task-t1', attempt: 2, state: SCHEDULED }]);
    expect(await supersededBecause(again.ctx, NOW)).toMatch(/scheduled it again/);
  });

  it('lets the attempt run when the server cannot be asked', async () => {
    const { ctx } = context(10_000, new Error('unavailable'));
    expect(await supersededBecause(ctx, NOW)).toBeUndefined();
  });
});

describe('beginsLate', () => {
  const info = (scheduledAgoMs: number, heartbeatTimeoutMs: number | undefined) => ({
    heartbeatTimeoutMs,
    currentAttemptScheduledTimestampMs: NOW - scheduledAgoMs,
  });

  it('is late past a quarter of the heartbeat timeout since the attempt was scheduled', () => {
    expect(beginsLate(info(500, 2_000), NOW)).toBe(false);
    expect(beginsLate(info(501, 2_000), NOW)).toBe(true);
    expect(beginsLate(info(60_000, 30_000), NOW)).toBe(true);
  });

  it('is never late without a heartbeat timeout (a test mock says it was scheduled at 1 ms past 1970)', () => {
    expect(beginsLate(info(NOW - 1, undefined), NOW)).toBe(false);
    expect(beginsLate(info(NOW - 1, 0), NOW)).toBe(false);
  });
});

describe('cancelledBecause', () => {
  it('says in words why the SDK cancelled an attempt, and names a reason it does not know', () => {
    expect(cancelledBecause(new CancelledFailure('NOT_FOUND'))).toMatch(/server has given it up/);
    expect(cancelledBecause(new CancelledFailure('CANCELLED'))).toBe('the board cancelled it');
    expect(cancelledBecause('SOMETHING_NEW')).toBe('it was cancelled (SOMETHING_NEW)');
  });
});
