/**
 * `todone worker`: a standalone worker for a shared cluster (or the embedded server), serving
 * every board started on its task queue until SIGINT/SIGTERM.
 */
import { connectClient, resolveConnection } from '../../../temporal/connection.js';
import { DEFAULT_TASK_QUEUE } from '../../../workflows/api.js';
import { startWorkerHost, type WorkerHost } from '../../../worker/host.js';
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
  const { client, connection } = await connectClient(target);
  let host: WorkerHost | undefined;
  try {
    host = await startWorkerHost({
      target,
      client,
      taskQueue,
      home,
      capabilities,
      maxConcurrentActivities: options.maxConcurrentActivities,
      log: io.stdout,
      warn: io.stderr,
      runtimeLog: (line) => io.diagnostics.write(line),
    });
    io.stdout(
      `Todone worker polling task queue "${taskQueue}" on ${target.address} (namespace ${target.namespace}), ` +
        `${describeCapabilities(taskQueue, capabilities)}. Ctrl-C stops it.\n`,
    );
    void host.swept.then((swept) => {
      if (swept && swept.removedWorktrees > 0)
        io.stdout(`Swept ${swept.removedWorktrees} leftover worktree(s) of finished boards.\n`);
    });
    // The SDK's runtime turns SIGINT/SIGTERM into a graceful shutdown of this worker.
    await host.stopped;
    io.stdout('Worker stopped.\n');
    return 0;
  } finally {
    // The sweep uses this client: it ends first.
    await host?.swept;
    await connection.close();
  }
}
