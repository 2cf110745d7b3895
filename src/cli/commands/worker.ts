/**
 * `todone worker`: a standalone worker for a shared cluster (or the embedded server), serving
 * every board started on its task queue until SIGINT/SIGTERM.
 */
import { startWorkerHost } from '../../../worker/host.js';
import { describeCapabilities, workerCapabilities } from '../capabilities-option.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { DEFAULT_WORKER_WAIT_MS } from '../command-defaults.js';
import { untilServerAnswers } from '../wait-for-server.js';

export async function workerCommand(
  options: { taskQueue?: string; maxConcurrentActivities?: number; capability?: string[]; waitForServer?: number },
  io: CommandIO,
): Promise<number> {
  const capabilities = workerCapabilities(options.capability, io.env);
  const { session, host } = await untilServerAnswers(
    async () => {
      const session = await openSession(io, { taskQueue: options.taskQueue });
      try {
        const host = await startWorkerHost({
          target: session.target,
          client: session.client,
          taskQueue: session.taskQueue,
          home: session.home,
          capabilities,
          maxConcurrentActivities: options.maxConcurrentActivities,
          log: io.stdout,
          warn: io.stderr,
          runtimeLog: (line) => io.diagnostics.write(line),
        });
        return { session, host };
      } catch (error) {
        await session.close();
        throw error;
      }
    },
    { waitMs: options.waitForServer ?? DEFAULT_WORKER_WAIT_MS, say: (line) => io.stderr(`${line}\n`) },
  );
  const { target, taskQueue } = session;
  try {
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
    // The sweep uses the session's client: it ends first.
    await host.swept;
    await session.close();
  }
}
