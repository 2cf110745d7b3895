/**
 * The Todone worker: board workflows plus the task activities, on the board's task queue, and the
 * same activities on each capability queue it offers and on its own queue (see worker-group.ts).
 * Used in-process by `todone run` and standalone by `todone worker`.
 */
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { openCacheStore } from '../activities/cache/open-store.js';
import { createActivities } from '../activities/index.js';
import type { PayloadStore } from '../temporal/payload-storage.js';
import { capabilityProblem, capabilityQueues, normaliseCapabilities, workerQueue } from '../src/core/capabilities.js';
import { ActivitySlots } from './activity-slots.js';
import { installRuntime } from './runtime.js';
import { registerWorkerProcess } from './worker-registry.js';
import { TodoneWorker } from './worker-group.js';
import { workflowSource } from './workflow-code.js';

export { TodoneWorker } from './worker-group.js';

export interface TodoneWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Todone's data folder: task logs and pid files go there. */
  home: string;
  /** Tests pass a bundle built once per file; otherwise see workflowSource(). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Activities this process runs at once, over all the queues it polls (default 64). */
  maxConcurrentActivities?: number;
  /** What this worker offers tasks that `require` them: it also polls their capability queues. */
  capabilities?: readonly string[];
  /** The connection target's converter (External Storage): the client that starts boards uses the same. */
  dataConverter?: DataConverter;
  /** Tests name a worker as another process would; otherwise this process's registered identity. */
  identity?: string;
  /** Where large payloads go (the connection target's): the result cache lives there too. Default: none. */
  payloadStore?: PayloadStore;
}

const FIXED_WORKFLOW_SLOTS = 100;

export async function createTodoneWorker(options: TodoneWorkerOptions): Promise<TodoneWorker> {
  installRuntime();
  const capabilities = normaliseCapabilities(options.capabilities ?? []);
  const problem = capabilityProblem(capabilities);
  if (problem) throw new RangeError(problem);
  // A restarted `todone run` recognises the attempts a dead worker held by this identity.
  const identity = options.identity ?? (await registerWorkerProcess(options.home));
  // Boards bound their own parallelism with maxParallel; this only caps one machine.
  const slots = new ActivitySlots(options.maxConcurrentActivities ?? 64);
  const ownQueue = workerQueue(options.taskQueue, identity);
  const cache = openCacheStore({
    payloadStore: options.payloadStore ?? { kind: 'none' },
    home: options.home,
    ...(options.dataConverter?.payloadCodecs?.[0] ? { codec: options.dataConverter.payloadCodecs[0] } : {}),
  });
  const activities = createActivities({ home: options.home, ownQueue, cache });
  const shared = {
    identity,
    connection: options.connection,
    namespace: options.namespace,
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    activities,
    tuner: {
      workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: FIXED_WORKFLOW_SLOTS },
      activityTaskSlotSupplier: slots.supplier(),
      localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: FIXED_WORKFLOW_SLOTS },
      nexusTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
    },
    interceptors: { activity: [slots.gate()] },
    // Cancellation reaches an activity only through a heartbeat response: keep that loop short
    // so `todone cancel` kills a process within a second or two, not half a minute.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // Give running tasks a moment to finish before shutdown cancels them; they are retried anyway.
    shutdownGraceTime: '5s',
  } satisfies Partial<WorkerOptions>;
  const main = await Worker.create({
    ...shared,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : workflowSource()),
    // A board whose worker died waits this long for the dead worker's sticky queue before its
    // next workflow task goes to any worker: keep resumption after a crash quick.
    stickyQueueScheduleToStartTimeout: '3s',
  });
  const capabilityWorkers = capabilityQueues(options.taskQueue, capabilities);
  // Activity-only Workers: no workflow code, one poller each (the shared slots are the limit).
  const extras = await Promise.all(
    capabilityWorkers.map((taskQueue) => Worker.create({ ...shared, taskQueue, maxConcurrentActivityTaskPolls: 1 })),
  );
  // The own queue is polled even while the process is full: its steps belong to work this worker
  // already holds (a worktree only it has), and a step left unpolled there would read as a dead
  // worker. They still wait at the gate for a slot, heartbeating.
  const own = await Worker.create({
    ...shared,
    taskQueue: ownQueue,
    maxConcurrentActivityTaskPolls: 1,
    tuner: { ...shared.tuner, activityTaskSlotSupplier: slots.ownSupplier() },
  });
  return new TodoneWorker(main, [...extras, own], [options.taskQueue, ...capabilityWorkers, ownQueue], ownQueue);
}
