/** The adapter for each agent kind. */
import type { AgentKind, AgentSpec, CliAgentSpec, CustomAgentSpec, ShellAgentSpec } from '../../src/core/board.js';
import { aiderAdapter } from './aider.js';
import { claudeAdapter } from './claude.js';
import { codexAdapter } from './codex.js';
import { customAdapter } from './custom.js';
import { geminiAdapter } from './gemini.js';
import { shellAdapter } from './shell.js';
import type { AgentAdapter, AgentContext, AgentInvocation, AgentReport } from './types.js';

export type { AgentAdapter, AgentContext, AgentInvocation, AgentReport } from './types.js';

type SpecOf<K extends AgentKind> = K extends CliAgentSpec['kind']
  ? CliAgentSpec
  : K extends 'custom'
    ? CustomAgentSpec
    : ShellAgentSpec;

const ADAPTERS: { [K in AgentKind]: AgentAdapter<SpecOf<K>> } = {
  shell: shellAdapter,
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  aider: aiderAdapter,
  custom: customAdapter,
};

export function adapterFor<S extends AgentSpec>(agent: S): AgentAdapter<S> {
  // The table is keyed by kind, so the adapter found accepts exactly this spec.
  return ADAPTERS[agent.kind] as unknown as AgentAdapter<S>;
}

export function agentInvocation(ctx: AgentContext): AgentInvocation {
  return adapterFor<AgentSpec>(ctx.agent).invocation(ctx);
}

export function parseAgentOutput(agent: AgentSpec, output: string): AgentReport {
  return adapterFor(agent).parseOutput?.(output) ?? {};
}

/** Whether the agent's output is worth reading back (it has a machine-readable format). */
export function hasOutputParser(agent: AgentSpec): boolean {
  return adapterFor(agent).parseOutput !== undefined;
}
