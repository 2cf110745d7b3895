/**
 * What the MCP tools share: where the server runs, and the Temporal session, opened once on first
 * use so that a client listing tools or validating a board never waits for a server to start.
 */
import type { CommandIO } from '../cli/io.js';
import type { Session } from '../cli/session.js';
import { TodoneError } from '../errors.js';

export interface McpContext {
  /**
   * The server's folder (relative board paths start there), environment and diagnostics; its
   * stdout is not the protocol's (nothing but the MCP transport writes there).
   */
  io: CommandIO;
  /** Todone's data folder (task logs, drafts' working files). */
  home: string;
  /** The Temporal session; opened on first call, opened again after a failed attempt. */
  session(): Promise<Session>;
  /** Whether this process runs boards' tasks (false with --no-worker: a fleet does). */
  hostsWorker: boolean;
  /** Called once a board's run is started or joined, before the answer: a hosted worker fails over what a dead one left. */
  boardStarted?(workflowId: string): Promise<void>;
}

/** A tool call that ran out of time: said plainly, with what was being waited for. */
export class ToolTimeout extends TodoneError {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${Math.round(ms / 1000)} s`, 'TIMEOUT', 1);
  }
}

/** Runs `work` for at most `ms`; past it the call answers with a ToolTimeout (the work is left to end on its own). */
export async function bounded<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ToolTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
