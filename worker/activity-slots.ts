/**
 * One budget of activity slots for every Temporal Worker of a process. A Todone worker polls more
 * than one task queue (its capability queues, its own queue), and the SDK gives each Worker its
 * own slots: without a shared budget, `--max-concurrent-activities 1` would run one activity per
 * queue. Two mechanisms, because neither alone is right:
 * - the slot supplier stops every queue's pollers while the process is full, so another machine
 *   takes the work; reserving a slot per poll strictly would starve busy queues behind idle polls;
 * - the gate makes the limit exact: tasks that two queues handed over in the same instant wait
 *   here (heartbeating) for a running one to finish.
 */
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory, ActivitySlotInfo, CustomSlotSupplier, SlotPermit } from '@temporalio/worker';

interface Waiter {
  resolve: () => void;
}

export class ActivitySlots {
  private used = new Set<SlotPermit>();
  private pollWaiters: Waiter[] = [];
  private running = 0;
  private gateWaiters: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`maxConcurrentActivities must be a positive integer, got ${limit}`);
  }

  /** The activity slot supplier every Worker of the process shares. */
  supplier(): CustomSlotSupplier<ActivitySlotInfo> {
    return {
      type: 'custom',
      reserveSlot: (_ctx, abortSignal) => this.reserve(abortSignal),
      tryReserveSlot: () => (this.used.size < this.limit ? {} : null),
      markSlotUsed: ({ permit }) => {
        this.used.add(permit);
      },
      releaseSlot: ({ permit }) => {
        if (this.used.delete(permit)) wakeAll(this.pollWaiters);
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

  private async reserve(abortSignal: AbortSignal): Promise<SlotPermit> {
    while (this.used.size >= this.limit) {
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
    // A fresh object per reservation: markSlotUsed and releaseSlot name the permit they mean.
    return {};
  }

  private async enter(ctx: Context): Promise<void> {
    if (this.running < this.limit) {
      this.running++;
      return;
    }
    // Waiting still counts as alive: re-send what the last attempt carried so nothing is lost.
    const beat = setInterval(() => ctx.heartbeat(ctx.info.heartbeatDetails), 1_000);
    try {
      await new Promise<void>((resolve) => this.gateWaiters.push({ resolve }));
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
