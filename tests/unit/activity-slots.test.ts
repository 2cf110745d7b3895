/**
 * One process, several queues, one budget: the slot supplier stops polling while the process is
 * full, and the gate holds any activity past the limit until a running one finishes.
 */
import { describe, expect, it } from 'vitest';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { ActivitySlots } from '../../worker/activity-slots.js';

const info = { slotInfo: { type: 'activity' as const, activityType: 'runTask' } };
const ctxFor = (taskQueue: string) => ({
  slotType: 'activity' as const,
  taskQueue,
  workerIdentity: 'w',
  workerBuildId: '',
  isSticky: false,
});
const reserveCtx = ctxFor('q');
const flush = () => new Promise((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ActivitySlots', () => {
  it('a queue polls only while the process has room for what its open polls may bring; each queue is counted on its own', async () => {
    const slots = new ActivitySlots(1);
    const supplier = slots.supplier();
    const never = new AbortController().signal;
    const onA = await supplier.reserveSlot(ctxFor('a'), never);
    // A one-slot worker keeps one open poll on its queue, not five: a second task would wait here while another machine idles.
    let secondOnA = false;
    const waitingOnA = supplier.reserveSlot(ctxFor('a'), never).then((permit) => ((secondOnA = true), permit));
    // Another queue's poll is not starved behind queue a's long poll.
    const onB = await supplier.reserveSlot(ctxFor('b'), never);
    expect(supplier.tryReserveSlot(ctxFor('a'))).toBeNull();
    await flush();
    expect(secondOnA).toBe(false);
    supplier.markSlotUsed({ ...info, permit: onA });
    supplier.releaseSlot({ permit: onB }); // b's poll ended empty: the slot is still in use
    await flush();
    expect(secondOnA).toBe(false);
    supplier.releaseSlot({ ...info, permit: onA });
    await waitingOnA;
    expect(secondOnA).toBe(true);
  });

  it('lets a big limit keep several polls open per queue, and eager reservations through while there is room', async () => {
    const slots = new ActivitySlots(64);
    const supplier = slots.supplier();
    const never = new AbortController().signal;
    const permits = await Promise.all(Array.from({ length: 5 }, () => supplier.reserveSlot(ctxFor('a'), never)));
    expect(permits).toHaveLength(5);
    expect(supplier.tryReserveSlot(ctxFor('a'))).not.toBeNull();
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
    const ctx = {
      info: { heartbeatDetails: undefined },
      heartbeat: () => undefined,
      cancellationSignal: new AbortController().signal,
    };
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

  it('the own queue polls even while the process is full, and what it takes counts against the other queues', async () => {
    const slots = new ActivitySlots(1);
    const shared = slots.supplier();
    const own = slots.ownSupplier();
    const never = new AbortController().signal;
    shared.markSlotUsed({ ...info, permit: await shared.reserveSlot(reserveCtx, never) });
    // Full: the board queue waits, but a step of work this worker holds is still taken (it waits at the gate).
    const ownPermit = await own.reserveSlot(ctxFor('own'), never);
    expect(own.tryReserveSlot(ctxFor('own'))).not.toBeNull();
    own.markSlotUsed({ ...info, permit: ownPermit });
    expect(shared.tryReserveSlot(ctxFor('other'))).toBeNull();
    own.releaseSlot({ ...info, permit: ownPermit });
    expect(shared.tryReserveSlot(ctxFor('other'))).toBeNull();
  });

  it('an activity cancelled while it waits at the gate leaves the line without running or holding a slot', async () => {
    const slots = new ActivitySlots(1);
    const abort = new AbortController();
    const ctxOf = (signal: AbortSignal) => ({
      info: { heartbeatDetails: undefined },
      heartbeat: () => undefined,
      cancellationSignal: signal,
    });
    const inboundOf = (signal: AbortSignal) =>
      slots.gate()(ctxOf(signal) as never).inbound as Required<ActivityInboundCallsInterceptor>;
    const release = deferred();
    const ran: string[] = [];
    const first = inboundOf(new AbortController().signal).execute({} as ActivityExecuteInput, async () => {
      ran.push('first');
      await release.promise;
    });
    const cancelled = inboundOf(abort.signal).execute({} as ActivityExecuteInput, () =>
      Promise.resolve(void ran.push('cancelled')),
    );
    const third = inboundOf(new AbortController().signal).execute({} as ActivityExecuteInput, () =>
      Promise.resolve(void ran.push('third')),
    );
    await flush();
    abort.abort(new Error('task cancelled'));
    await expect(cancelled).rejects.toThrow('task cancelled');
    release.resolve();
    await Promise.all([first, third]);
    expect(ran).toEqual(['first', 'third']);
    expect(slots.active).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new ActivitySlots(0)).toThrow(/positive integer, got 0/);
  });
});
