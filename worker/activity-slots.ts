/**
 * One budget of activity slots for every Temporal Worker of a process. A Todone worker polls more
 * than one task queue (its capability queues, its own queue), and the SDK gives each Worker its
 * own slots: without a shared budget, `--max-concurrent-activities 1` would run one activity per
 * queue. Two mechanisms, because neither alone is right:
 * - the slot supplier lets a queue poll only while the process has room for what that queue's
 *   open polls may bring (used + this queue's open polls < limit), so a one-slot worker never
 *   takes a task it cannot start while another machine idles (the fleet benchmark measured that:
 *   1.18x instead of 2x). Counted per queue, because one budget for every queue's open polls
 *   would starve a busy queue behind an idle queue's long poll;
 * - the gate makes the limit exact: tasks that two queues handed over in the same instant wait
 *   here (heartbeating) for a running one to finish.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory, ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';

interface Waiter {
  resolve: () => void;
}

/** Which queue reserved it: a permit not yet used is an open poll of that queue. */
interface Permit {
  queue: string;
}

/** More open polls than this per queue add no throughput on one machine. */
const MAX_OPEN_POLLS_PER_QUEUE = 5;

export class ActivitySlots {
  private used = new Set<SlotPermit>();
  /** Reservations not used yet, per queue: polls that may each bring a task at any moment. */
  private openPolls = new Map<string, number>();
  private pollWaiters: Waiter[] = [];
  private running = 0;
  private gateWaiters: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`maxConcurrentActivities must be a positive integer, got ${limit}`);
  }

  /** The activity slot supplier every Worker of the process shares. */
  supplier(): CustomSlotSupplier<ActivitySlotInfo> {
    return {
      type: 'custom',
      reserveSlot: (ctx, abortSignal) => this.reserve(ctx.taskQueue, abortSignal),
      // Eager tasks (handed over with a workflow task's completion) only when nothing else can arrive first.
      tryReserveSlot: (ctx) => (this.used.size + this.totalOpenPolls() < this.limit ? this.open(ctx.taskQueue) : null),
      markSlotUsed: ({ permit }) => {
        this.close(permit);
        this.used.add(permit);
      },
      releaseSlot: ({ permit }) => {
        if (!this.used.delete(permit)) this.close(permit);
        wakeAll(this.pollWaiters);
      },
    };
  }

  /**
   * For the worker's own queue: never waits to poll, so the steps of work this process holds are
   * always taken at once (they wait at the gate instead); their slots still count, so the other
   * queues stop polling while the process is full.
   */
  ownSupplier(): CustomSlotSupplier<ActivitySlotInfo> {
    return {
      type: 'custom',
      reserveSlot: () => Promise.resolve({}),
      tryReserveSlot: () => ({}),
      markSlotUsed: ({ permit }) => {
        this.used.add(permit);
      },
      releaseSlot: ({ permit }) => {
        if (this.used.delete(permit)) wakeAll(this.pollWaiters);
      },
    };
  }

  /** The activity interceptor that holds an activity until one of the process's slots is free. */
  gate(): ActivityInterceptorsFactory {
    return (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          await this.enter(ctx);
          try {
            return await next(input);
          } finally {
            this.leave();
          }
        },
      },
    });
  }

  /** How many activities run now (not counting those waiting at the gate). */
  get active(): number {
    return this.running;
  }

  private mayPoll(queue: string): boolean {
    const open = this.openPolls.get(queue) ?? 0;
    return this.used.size + open < this.limit && open < MAX_OPEN_POLLS_PER_QUEUE;
  }

  private totalOpenPolls(): number {
    let total = 0;
    for (const open of this.openPolls.values()) total += open;
    return total;
  }

  private open(queue: string): Permit {
    this.openPolls.set(queue, (this.openPolls.get(queue) ?? 0) + 1);
    // A fresh object per reservation: markSlotUsed and releaseSlot name the permit they mean.
    return { queue };
  }

  /** The permit's poll is over (it brought a task, or ended empty). Own-queue permits were never open. */
  private close(permit: SlotPermit): void {
    const queue = (permit as Partial<Permit>).queue;
    if (queue === undefined) return;
    const open = (this.openPolls.get(queue) ?? 0) - 1;
    if (open > 0) this.openPolls.set(queue, open);
    else this.openPolls.delete(queue);
  }

  private async reserve(queue: string, abortSignal: AbortSignal): Promise<SlotPermit> {
    while (!this.mayPoll(queue)) {
      await new Promise<void>((resolve, reject) => {
        const waiter = { resolve };
        const abort = () => {
          this.pollWaiters = this.pollWaiters.filter((w) => w !== waiter);
          const error = new Error('slot reservation aborted');
          error.name = 'AbortError';
          reject(error);
        };
        if (abortSignal.aborted) return abort();
        abortSignal.addEventListener('abort', abort, { once: true });
        waiter.resolve = () => {
          abortSignal.removeEventListener('abort', abort);
          resolve();
        };
        this.pollWaiters.push(waiter);
      });
    }
    return this.open(queue);
  }

  private async enter(ctx: Context): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return;
    }
    // Waiting still counts as alive: re-send what the last attempt carried so nothing is lost.
    // The heartbeats are also how a cancellation reaches a waiting activity: it leaves the line
    // at once, holding no slot and touching nothing (a pool worktree may be someone else's by now).
    const beat = setInterval(() => ctx.heartbeat(ctx.info.heartbeatDetails), 1_000);
    const signal = ctx.cancellationSignal;
    let waiter: Waiter | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const cancelled = () => {
          this.gateWaiters = this.gateWaiters.filter((w) => w !== waiter);
          reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled while waiting for a slot'));
        };
        if (signal.aborted) return cancelled();
        waiter = {
          resolve: () => {
            signal.removeEventListener('abort', cancelled);
            resolve();
          },
        };
        signal.addEventListener('abort', cancelled, { once: true });
        this.gateWaiters.push(waiter);
      });
    } finally {
      clearInterval(beat);
    }
  }

  private leave(): void {
    const next = this.gateWaiters.shift();
    // The slot passes straight to the next waiter, so `running` stays as it is.
    if (next) next.resolve();
    else this.running--;
  }
}

function wakeAll(waiters: Waiter[]): void {
  for (const waiter of waiters.splice(0)) waiter.resolve();
}
