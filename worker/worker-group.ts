/**
 * A Todone worker is several Temporal Workers in one process: one on the board queue (workflows
 * and any task), one per capability queue and one on the process's own queue (activities only).
 * They start, run and stop as one; if one fails the others are shut down and the failure is
 * what `run()` rejects with.
 */
import type { Worker } from '@temporalio/worker';

export type TodoneWorkerState = ReturnType<Worker['getState']>;

export class TodoneWorker {
  constructor(
    /** The Worker on the board queue: workflows run here. */
    readonly main: Worker,
    /** Activity-only Workers on the capability queues and the worker's own queue. */
    readonly extras: readonly Worker[],
    /** Every task queue this worker polls, the board queue first. */
    readonly taskQueues: readonly string[],
    /** The worker's own queue: steps that must run on this process go there. */
    readonly ownQueue: string,
  ) {}

  get all(): readonly Worker[] {
    return [this.main, ...this.extras];
  }

  getState(): TodoneWorkerState {
    return this.main.getState();
  }

  shutdown(): void {
    for (const worker of this.all) if (worker.getState() === 'RUNNING') worker.shutdown();
  }

  async run(): Promise<void> {
    const runs = this.all.map((worker) => this.runStoppingOthers(worker));
    // One Worker stopping (a signal, shutdown(), a fatal error) stops the others; run() returns only
    // when every one has stopped (their connection cannot close before), with the first failure.
    for (const run of runs) void run.finally(() => this.shutdown()).catch(() => undefined);
    const settled = await Promise.allSettled(runs);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Runs until `fn` settles, with Worker.runUntil's semantics (the main Worker stopping first fails it). */
  async runUntil<T>(fn: Promise<T> | (() => Promise<T>)): Promise<T> {
    const extras = this.extras.map((worker) => this.runStoppingOthers(worker));
    try {
      return await this.main.runUntil(fn);
    } finally {
      for (const worker of this.extras) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all(extras);
    }
  }

  /** Runs one Worker; its fatal error stops the rest of the group. */
  private runStoppingOthers(worker: Worker): Promise<void> {
    return worker.run().catch((error: unknown) => {
      this.shutdown();
      throw error;
    });
  }
}
