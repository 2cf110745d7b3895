/**
 * `todone mcp`: Todone's tools for coding agents, as an MCP server over stdio. It hosts a worker in
 * this process as `todone run` does (or only submits, with --no-worker, for a fleet of
 * `todone worker`s), and runs until the client closes its stdin or the process is told to stop.
 *
 * stdout belongs to the protocol alone: the transport writes through the real stdout, and every
 * other write to process.stdout in this process (a library's console.log, a stray progress line)
 * is sent to stderr instead, where MCP clients keep a server's log.
 */
import { Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { failOverDeadWorkers } from '../../../worker/failover.js';
import { startWorkerHost, WORKER_STOP_MS, type WorkerHost } from '../../../worker/host.js';
import { todoneHome } from '../../data-dir.js';
import { InvalidInputError } from '../../errors.js';
import type { McpContext } from '../../mcp/context.js';
import { createTodoneMcpServer } from '../../mcp/server.js';
import { workerCapabilities } from '../capabilities-option.js';
import { describeError } from '../failure.js';
import type { CommandIO } from '../io.js';
import { openSession, type Session } from '../session.js';

export interface McpCommandOptions {
  /** Host a worker in this process (default). */
  worker?: boolean;
  taskQueue?: string;
  capability?: string[];
}

export async function mcpCommand(options: McpCommandOptions, io: CommandIO): Promise<number> {
  if (options.worker === false && options.capability?.length) {
    throw new InvalidInputError('--capability', [
      { path: '', message: "offers capabilities through this server's own worker: drop --no-worker" },
    ]);
  }
  const capabilities = options.worker === false ? [] : workerCapabilities(options.capability, io.env);
  const protocolOut = takeStdout();
  const log: CommandIO = { ...io, stdout: io.stderr };

  let opened: Promise<Session> | undefined;
  let host: WorkerHost | undefined;
  const ctx: McpContext = {
    io: log,
    home: todoneHome(io.env),
    hostsWorker: options.worker !== false,
    session: () => {
      opened ??= (async () => {
        const session = await openSession(log, { taskQueue: options.taskQueue });
        if (options.worker === false) return session;
        try {
          // It serves the queue, not one board: what dead workers left on any board of it fails over now.
          host = await startWorkerHost({
            target: session.target,
            client: session.client,
            taskQueue: session.taskQueue,
            home: session.home,
            capabilities,
            log: log.stderr,
            runtimeLog: (line) => io.diagnostics.write(line),
          });
        } catch (error) {
          await session.close();
          throw error;
        }
        host.stopped.catch((error: unknown) => log.stderr(`todone mcp: the worker stopped: ${describeError(error)}\n`));
        return session;
      })().catch((error: unknown) => {
        // The next call tries again: a server that was down may be up by then.
        opened = undefined;
        throw error;
      });
      return opened;
    },
    boardStarted: async (workflowId) => {
      if (options.worker === false) return;
      const session = await ctx.session();
      await failOverDeadWorkers({
        client: session.client,
        home: session.home,
        workflowIds: [workflowId],
        log: log.stderr,
      });
    },
  };

  const server = createTodoneMcpServer(ctx);
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    server.server.onclose = resolve;
  });
  await server.connect(new StdioServerTransport(process.stdin, protocolOut));
  // Start Temporal and the worker now, so the first board does not wait for them; a failure is said
  // on stderr here and again by the tool that needs them.
  void ctx.session().catch((error: unknown) => log.stderr(`todone mcp: ${describeError(error)}\n`));
  await closed;

  await server.close().catch(() => undefined);
  if (host && !(await host.shutdown()))
    log.stderr(
      `todone mcp: the worker did not stop within ${WORKER_STOP_MS / 1000} s; its tasks are retried by the next worker.\n`,
    );
  const session = await opened?.catch(() => undefined);
  await session?.close();
  return 0;
}

/**
 * The real stdout, for the transport only; from here on anything else written to process.stdout
 * goes to stderr.
 */
function takeStdout(): Writable {
  const real = process.stdout.write.bind(process.stdout) as (
    chunk: string | Uint8Array,
    cb: (error?: Error | null) => void,
  ) => boolean;
  const toStderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = toStderr;
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      real(chunk, callback);
    },
  });
}
