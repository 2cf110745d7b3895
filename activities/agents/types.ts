/**
 * One interface for every agent: an adapter turns a task into an argv (never a shell string built
 * from task text) and, when its CLI has a machine-readable output, reads usage and errors back.
 */
import type { AgentSpec, CliAgentSpec } from '../../src/core/board.js';
import type { Usage } from '../types.js';
import type { NamespaceEntry } from '../process/spawner/spawner-client.js';

/** An agent whose `{ fromEnv }` references were read from the worker's environment (activities/secrets/resolve-env.ts). */
export type ResolvedAgent<S extends AgentSpec = AgentSpec> = S & { env: Record<string, string> };

export interface AgentContext<S extends AgentSpec = AgentSpec> {
  agent: ResolvedAgent<S>;
  /** The prompt's text, exactly as written to `promptFile`. */
  prompt: string;
  /** Absolute path of `prompt-<attempt>.md` in the task's log folder. */
  promptFile: string;
  /** The folder the agent works in (the task's worktree, or the board's workdir). */
  worktree: string;
  taskId: string;
  boardId: string;
  attempt: number;
  /** The task's log folder: where a CLI that keeps files of its own is told to keep them. */
  logDir: string;
  /**
   * Todone runs the agent inside its own confinement (process/sandbox.ts), so the CLI's own sandbox
   * is turned off: where that sandbox cannot work on the host (see sandbox-plan.ts).
   */
  confinedByTodone?: boolean;
}

/**
 * Whether the CLI runs in its most permissive mode (every tool approved): when the board says so,
 * else only inside Todone's own confinement, where a tool can harm nothing but the task's folder.
 */
export function permissive(ctx: Pick<AgentContext<CliAgentSpec>, 'agent' | 'confinedByTodone'>): boolean {
  return ctx.agent.permissive ?? ctx.confinedByTodone === true;
}

export interface AgentInvocation {
  /** The executable: a name looked up on PATH, or a path. */
  file: string;
  args: string[];
  /** Added to the worker's environment (Todone's own TODONE_* variables are added after). */
  env: Record<string, string>;
  /** Set by Todone's sandbox: the argv begins by joining this network namespace (process/sandbox.ts). */
  joins?: NamespaceEntry;
}

/** What an agent's own output says about its run; the worktree and validation still judge the work. */
export interface AgentReport {
  usage?: Usage;
  /** The agent's closing message. */
  summary?: string;
  /** Set when the CLI says the run failed even though it may have exited 0. */
  error?: string;
  /**
   * Set when its output shows work that did not happen: edits that failed, tools or commands its
   * permissions or sandbox refused. The CLI may still exit 0 and say it is done; the attempt fails.
   */
  unfinished?: string;
}

export interface AgentAdapter<S extends AgentSpec = AgentSpec> {
  readonly kind: S['kind'];
  invocation(ctx: AgentContext<S>): AgentInvocation;
  /** `output` is the end of the attempt's log (stdout and stderr interleaved), bounded. */
  parseOutput?(output: string): AgentReport;
}
