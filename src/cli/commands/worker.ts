/**
 * `todone worker`: a standalone worker for a shared cluster (or the embedded server), serving
 * every board started on its task queue until SIGINT/SIGTERM.
 */
import { connectClient, connectWorkerConnection, resolveConnection } from '../../../temporal/connection.js';
import { DEFAULT_TASK_QUEUE } from '../../../workflows/api.js';
import { createTodoneWorker } from '../../../worker/create-worker.js';
import { failOverDeadWorkersOnQueue } from '../../../worker/failover.js';
import { installRuntime } from '../../../worker/runtime.js';
import { sandboxReport } from '../../../worker/sandbox-report.js';
import { sweepFinishedBoards } from '../../../worker/sweep.js';
import { todoneHome } from '../../data-dir.js';
import { describeCapabilities, workerCapabilities } from '../capabilities-option.js';
import type { CommandIO } from '../io.js';

export async function workerCommand(
  options: { taskQueue?: string; maxConcurrentActivities?: number; capability?: string[] },
  io: CommandIO,
): Promise<number> {
  const capabilities = workerCapabilities(options.capability, io.env);
  const home = todoneHome(io.env);
  const target = await resolveConnection({
    env: io.env,
    dataDir: home,
    devServer: { say: (line) => io.stderr(`${line}\n`) },
    onEmbeddedServer: (info) =>
      io.stderr(`Using the local Temporal dev server at ${info.address} (Web UI ${info.uiUrl})\n`),
  });
  const taskQueue = options.taskQueue ?? io.env.TODONE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  // The SDK's and its core's log lines go to the log file (and stderr with --verbose), not stdout.
  installRuntime({ write: (line) => io.diagnostics.write(line) });
  const connection = await connectWorkerConnection(target);
  try {
    const worker = await createTodoneWorker({
      connection,
      namespace: target.namespace,
      taskQueue,
      home,
      maxConcurrentActivities: options.maxConcurrentActivities,
      capabilities,
      dataConverter: target.dataConverter,
    });
    const { client, connection: clientConnection } = await connectClient(target);
    await failOverDeadWorkersOnQueue({ client, home, taskQueue, log: io.stdout });
    const swept = await sweepFinishedBoards({ home, client, log: io.stderr }).finally(() => clientConnection.close());
    if (swept.removedWorktrees > 0)
      io.stdout(`Swept ${swept.removedWorktrees} leftover worktree(s) of finished boards.\n`);
    const sandboxes = await sandboxReport();
    if (sandboxes) io.stdout(`${sandboxes}\n`);
    io.stdout(
      `Todone worker polling task queue "${taskQueue}" on ${target.address} (namespace ${target.namespace}), ` +
        `${describeCapabilities(taskQueue, capabilities)}. Ctrl-C stops it.\n`,
    );
    // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown of this worker.
    await worker.run();
    io.stdout('Worker stopped.\n');
    return 0;
  } finally {
    await connection.close();
  }
}
