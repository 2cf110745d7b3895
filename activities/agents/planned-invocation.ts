/**
 * The agent's invocation with its confinement decided: for codex, whose own sandbox may not work
 * on this host, the plan from the host's probes (sandbox-plan.ts); other agents run as their
 * adapter says. Confined agents may write their worktree, their task folder, and the CLI's own
 * config and temp folders; the repository stays readable so git works in the worktree.
 */
import os from 'node:os';
import path from 'node:path';
import { confinedArgv } from '../process/sandbox.js';
import type { SandboxProbes } from './host-sandboxes.js';
import { agentInvocation } from './index.js';
import { boardChoosesCodexSandbox, planCodexSandbox } from './sandbox-plan.js';
import type { AgentContext, AgentInvocation } from './types.js';

export type PlannedInvocation = { invocation: AgentInvocation } | { refused: string };

export async function plannedInvocation(ctx: AgentContext, probes: SandboxProbes, options: { readable?: string[] } = {}): Promise<PlannedInvocation> {
  const { agent } = ctx;
  if (agent.kind !== 'codex' || boardChoosesCodexSandbox(agent.args)) return { invocation: agentInvocation(ctx) };
  const codex = await probes.codex(agent.bin ?? 'codex');
  // The confinement is only asked about when codex's own sandbox is found broken.
  const plan = codex.state === 'broken' ? planCodexSandbox(codex, await probes.confinement()) : planCodexSandbox(codex, { state: 'unknown', reason: 'not needed' });
  if (plan.use === 'none') return { refused: plan.message };
  if (plan.use !== 'todone') return { invocation: agentInvocation(ctx) };

  const invocation = agentInvocation({ ...ctx, confinedByTodone: true });
  const env = (name: string) => invocation.env[name] ?? process.env[name];
  const home = env('HOME') ?? os.homedir();
  const writable = [ctx.worktree, ctx.logDir, env('CODEX_HOME') ?? path.join(home, '.codex'), ...(env('TMPDIR') ? [env('TMPDIR')!] : [])];
  // The CLI itself must stay visible where the private /tmp would hide it.
  const readable = [...(options.readable ?? []), ...(path.isAbsolute(invocation.file) ? [path.dirname(invocation.file)] : [])];
  const argv = confinedArgv({ bwrap: probes.bwrap, writable, readable }, invocation.file, invocation.args);
  return { invocation: { ...invocation, ...argv } };
}
