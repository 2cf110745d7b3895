/**
 * Hosts a Todone worker in this process: the SDK runtime with Todone's logging, a native connection
 * to the target, the worker group, then the start-up chores (fail over the attempts dead workers of
 * this machine held, sweep finished boards' leftovers in the background, say how agents are
 * confined). `todone run`, `todone worker` and any embedding program start a worker this way, and
 * stop it with the handle's shutdown().
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { connectWorkerConnection, type ConnectionTarget } from '../temporal/connection.js';
import type { BoardSpec } from '../src/core/board.js';
import { createTodoneWorker, type TodoneWorker } from './create-worker.js';
import { failOverDeadWorkers, failOverDeadWorkersOnQueue } from './failover.js';
import { installRuntime } from './runtime.js';
import { sandboxReport } from './sandbox-report.js';
import { sweepFinishedBoards, type SweepReport } from './sweep.js';

/** How long shutdown() waits for the worker: one whose server is gone can hang in its shutdown calls. */
export const WORKER_STOP_MS = 20_000;

export interface WorkerHostOptions {
  target: ConnectionTarget;
  /** A client of the same target for the start-up chores; the caller closes it, after shutdown(). */
  client: Client;
  taskQueue: string;
  /** Todone's data folder: worker records, task logs, the boards to sweep. */
  home: string;
  /** What this worker offers tasks that `require` them (normalised and checked by the worker). */
  capabilities?: readonly string[];
  /** Activities this process runs at once, over all the queues it polls. */
  maxConcurrentActivities?: number;
  /** The boards (workflow ids) whose dead workers' attempts to fail over; unset, every running board on the queue. */
  failOverBoards?: string[];
  /** The sandbox report is said only when this board needs it (codex tasks); unset, it is always said. */
  board?: BoardSpec;
  /** Start-up lines meant for the user: attempts failed over, how agents are confined. */
  log: (line: string) => void;
  /** Why a finished board could not be swept; unset, said nowhere (the sweep is a chore, not the command's job). */
  warn?: (line: string) => void;
  /** The SDK's and its core's log lines (a log file, never stdout); unset, warnings go to stderr. */
  runtimeLog?: (line: string) => void;
  /** Tests pass a bundle built once; otherwise the build's bundle (see workflow-code.ts). */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export interface WorkerHost {
  worker: TodoneWorker;
  /**
   * Settles when every Worker of the group has stopped and the connection is closed; rejects with
   * the first failure (a fatal worker error): await it, or handle it.
   */
  stopped: Promise<void>;
  /** The background sweep of finished boards (never rejects: one board's trouble is `warn`ed). */
  swept: Promise<SweepReport | undefined>;
  /**
   * Stops polling, lets running tasks finish within the SDK's grace time, then waits for the sweep.
   * Resolves false when the worker did not stop within WORKER_STOP_MS (its tasks are retried elsewhere).
   */
  shutdown(): Promise<boolean>;
}

export async function startWorkerHost(options: WorkerHostOptions): Promise<WorkerHost> {
  // Before anything native starts, or the SDK installs a runtime that logs to stdout.
  installRuntime(options.runtimeLog ? { write: options.runtimeLog } : {});
  const { client, home, taskQueue, log } = options;
  const connection = await connectWorkerConnection(options.target);
  let worker: TodoneWorker;
  try {
    worker = await createTodoneWorker({
      connection,
      namespace: options.target.namespace,
      taskQueue,
      home,
      capabilities: options.capabilities,
      maxConcurrentActivities: options.maxConcurrentActivities,
      dataConverter: options.target.dataConverter,
      payloadStore: options.target.payloadStore,
      ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
    });
    // Attempts a SIGKILLed worker of this machine left behind retry now, not after their heartbeat timeout.
    if (options.failOverBoards) await failOverDeadWorkers({ client, home, workflowIds: options.failOverBoards, log });
    else await failOverDeadWorkersOnQueue({ client, home, taskQueue, log });
  } catch (error) {
    await connection.close();
    throw error;
  }
  const stopped = worker.run().finally(() => connection.close());
  // Other boards' leftovers: swept alongside, never holding up the worker.
  const swept = sweepFinishedBoards({ home, client, ...(options.warn ? { log: options.warn } : {}) }).catch(
    () => undefined,
  );
  const sandboxes = await sandboxReport(options.board);
  if (sandboxes) log(`${sandboxes}\n`);

  return {
    worker,
    stopped,
    swept,
    async shutdown() {
      worker.shutdown();
      const ended = await Promise.race([
        stopped.then(
          () => true,
          () => true,
        ),
        delay(WORKER_STOP_MS, false, { ref: false }),
      ]);
      // Its git steps hold repository locks and use the caller's client: let it end first.
      await swept;
      return ended;
    },
  };
}
