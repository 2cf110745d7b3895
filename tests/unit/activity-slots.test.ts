/**
 * One process, several queues, one budget: the slot supplier stops polling while the process is
 * full, and the gate holds any activity past the limit until a running one finishes.
 */
import { describe, expect, it } from 'vitest';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { ActivitySlots } from '../../worker/activity-slots.js';

const info = { slotInfo: { type: 'activity' as const, activityType: 'runTask' } };
const reserveCtx = { slotType: 'activity' as const, taskQueue: 'q', workerIdentity: 'w', workerBuildId: '', isSticky: false };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ActivitySlots', () => {
  it('lets pollers reserve while slots are free, makes them wait while the process is full, and wakes them on release', async () => {
    const slots = new ActivitySlots(1);
    const supplier = slots.supplier();
    const first = await supplier.reserveSlot(reserveCtx, new AbortController().signal);
    // A second queue's poller may still poll: the reservation is not the work.
    const second = await supplier.reserveSlot(reserveCtx, new AbortController().signal);
    supplier.markSlotUsed({ ...info, permit: first });
    let granted = false;
    const third = supplier.reserveSlot(reserveCtx, new AbortController().signal).then((permit) => ((granted = true), permit));
    expect(supplier.tryReserveSlot(reserveCtx)).toBeNull();
    await Promise.resolve();
    expect(granted).toBe(false);
    supplier.releaseSlot({ permit: second }); // an unused poll ending frees nothing
    await Promise.resolve();
    expect(granted).toBe(false);
    supplier.releaseSlot({ ...info, permit: first });
    await third;
    expect(granted).toBe(true);
  });

  it('an aborted reservation rejects with AbortError', async () => {
    const slots = new ActivitySlots(1);
    const supplier = slots.supplier();
    supplier.markSlotUsed({ ...info, permit: await supplier.reserveSlot(reserveCtx, new AbortController().signal) });
    const abort = new AbortController();
    const waiting = supplier.reserveSlot(reserveCtx, abort.signal);
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('the gate runs at most `limit` activities at once, in arrival order', async () => {
    const slots = new ActivitySlots(2);
    const ctx = { info: { heartbeatDetails: undefined }, heartbeat: () => undefined };
    const inbound = slots.gate()(ctx as never).inbound as Required<ActivityInboundCallsInterceptor>;
    const releases = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = releases.map((release, i) =>
      inbound.execute({} as ActivityExecuteInput, async () => {
        started.push(i);
        await release.promise;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    expect(slots.active).toBe(2);
    releases[0]!.resolve();
    await runs[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    expect(slots.active).toBe(2);
    releases[1]!.resolve();
    releases[2]!.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(slots.active).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ActivitySlots(0)).toThrow(/positive integer, got 0/);
  });
});
