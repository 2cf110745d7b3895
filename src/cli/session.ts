/**
 * Opens what the board commands need: Todone's data folder, a Temporal connection (the embedded
 * dev server unless TEMPORAL_ADDRESS or a profile names a cluster) and a board client.
 */
import type { Client, Connection } from '@temporalio/client';
import { connectClient, resolveConnection, type ConnectionTarget } from '../../temporal/connection.js';
import { DEFAULT_TASK_QUEUE } from '../../workflows/api.js';
import { BoardClient } from '../client/board-client.js';
import { todoneHome } from '../data-dir.js';
import type { CommandIO } from './io.js';

export interface Session {
  home: string;
  target: ConnectionTarget;
  client: Client;
  connection: Connection;
  boards: BoardClient;
  taskQueue: string;
  /** Web UI link for a workflow, when the UI address is known. */
  uiLink(workflowId: string): string | undefined;
  close(): Promise<void>;
}

export async function openSession(io: CommandIO, opts: { taskQueue?: string } = {}): Promise<Session> {
  const home = todoneHome(io.env);
  const target = await resolveConnection({
    env: io.env,
    dataDir: home,
    devServer: { say: (line) => io.stderr(`${line}\n`) },
    onEmbeddedServer: (info) =>
      io.stderr(
        `Temporal dev server ${info.reused ? 'running' : 'started'} at ${info.address} (Web UI ${info.uiUrl})\n`,
      ),
  });
  const { client, connection } = await connectClient(target);
  const taskQueue = opts.taskQueue ?? io.env.TODONE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  const uiBase = target.embedded?.uiUrl ?? io.env.TODONE_UI_URL;
  return {
    home,
    target,
    client,
    connection,
    boards: new BoardClient(client, taskQueue),
    taskQueue,
    uiLink: (workflowId) =>
      uiBase
        ? `${uiBase.replace(/\/$/, '')}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`
        : undefined,
    close: () => connection.close(),
  };
}
