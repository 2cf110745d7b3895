/**
 * The Todone worker: board workflows plus the task activities, on one task queue.
 * Used in-process by `todone run` and standalone by `todone worker`.
 */
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { installRuntime } from './runtime.js';
import { registerWorkerProcess } from './worker-registry.js';
import { workflowSource } from './workflow-code.js';

export interface TodoneWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Todone's data folder: task logs and pid files go there. */
  home: string;
  /** Tests pass a bundle built once per file; otherwise see workflowSource(). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  maxConcurrentActivities?: number;
  /** The connection target's converter (External Storage): the client that starts boards uses the same. */
  dataConverter?: DataConverter;
  /** Tests name a worker as another process would; otherwise this process's registered identity. */
  identity?: string;
}

export async function createTodoneWorker(options: TodoneWorkerOptions): Promise<Worker> {
  installRuntime();
  return Worker.create({
    // A restarted `todone run` recognises the attempts a dead worker held by this identity.
    identity: options.identity ?? (await registerWorkerProcess(options.home)),
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    activities: createActivities({ home: options.home }),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : workflowSource()),
    // Boards bound their own parallelism with maxParallel; this only caps one machine.
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 64,
    // Cancellation reaches an activity only through a heartbeat response: keep that loop short
    // so `todone cancel` kills a process within a second or two, not half a minute.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // A board whose worker died waits this long for the dead worker's sticky queue before its
    // next workflow task goes to any worker: keep resumption after a crash quick.
    stickyQueueScheduleToStartTimeout: '3s',
    // Give running tasks a moment to finish before shutdown cancels them; they are retried anyway.
    shutdownGraceTime: '5s',
  });
}
