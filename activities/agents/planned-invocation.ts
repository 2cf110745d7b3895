/**
 * The agent's invocation with its confinement decided. A task with `sandbox: worktree` (the
 * loader's default) runs inside Todone's bubblewrap confinement, or not at all when that cannot
 * be set up here. A task with `sandbox: none` runs as its adapter says, except codex, whose own
 * sandbox may not work on this host (sandbox-plan.ts). Confined agents may write their worktree,
 * their task folder, and the CLI's own config and temp folders; the repository stays readable so
 * git works in the worktree. The task's checks get the same confinement without the CLI's folders.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AgentKind } from '../../src/core/board.js';
import { findPackageRoot } from '../../src/util/package-root.js';
import { confinedArgv, type Confinement } from '../process/sandbox.js';
import type { SandboxProbes } from './host-sandboxes.js';
import { agentInvocation } from './index.js';
import { boardChoosesCodexSandbox, planCodexSandbox } from './sandbox-plan.js';
import type { AgentContext, AgentInvocation } from './types.js';

export type PlannedInvocation =
  /** `confinement`: what the task's checks run under too; absent when the task is not confined. */
  { invocation: AgentInvocation; confinement?: Confinement } | { refused: string };

export interface PlanOptions {
  /** Folders the confined task must see although the private /tmp would hide them (the repository). */
  readable?: string[];
  /** The worker's environment, where HOME and the CLIs' config folders are found. */
  workerEnv?: NodeJS.ProcessEnv;
}

export async function plannedInvocation(
  ctx: AgentContext,
  probes: SandboxProbes,
  options: PlanOptions = {},
): Promise<PlannedInvocation> {
  const { agent } = ctx;
  if (agent.sandbox === 'worktree') {
    const probe = await probes.confinement();
    if (probe.state !== 'works') return { refused: sandboxUnavailable(probe.reason) };
    return confined(ctx, probes, options, agent.network !== false);
  }
  if (agent.kind !== 'codex' || boardChoosesCodexSandbox(agent.args) || agent.permissive === true)
    return { invocation: agentInvocation(ctx) };
  const codex = await probes.codex(agent.bin ?? 'codex');
  // The confinement is only asked about when codex's own sandbox is found broken.
  const plan =
    codex.state === 'broken'
      ? planCodexSandbox(codex, await probes.confinement())
      : planCodexSandbox(codex, { state: 'unknown', reason: 'not needed' });
  if (plan.use === 'none') return { refused: plan.message };
  if (plan.use !== 'todone') return { invocation: agentInvocation(ctx) };
  return confined(ctx, probes, options, true);
}

export function sandboxUnavailable(reason: string): string {
  return (
    `the task is to run in Todone's sandbox (sandbox: worktree, the default), but bubblewrap cannot confine it on this host: ${reason}. ` +
    'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) where unprivileged user namespaces are allowed, ' +
    'or set `sandbox: none` on the board or the task to run it with your full user rights.'
  );
}

async function confined(
  ctx: AgentContext,
  probes: SandboxProbes,
  options: PlanOptions,
  network: boolean,
): Promise<PlannedInvocation> {
  const invocation = agentInvocation({ ...ctx, confinedByTodone: true });
  const env = (name: string) => ctx.agent.env[name] ?? invocation.env[name] ?? (options.workerEnv ?? process.env)[name];
  const home = env('HOME') ?? os.homedir();
  const tmp = env('TMPDIR');
  const task: Confinement = {
    bwrap: probes.bwrap,
    writable: [ctx.worktree, ctx.logDir, ...(tmp ? [tmp] : [])],
    readable: options.readable ?? [],
    network,
  };
  const state = cliStateFolders(ctx.agent.kind, env, home);
  // A CLI creates its folder on first use; in here the home is read-only, so it is made beforehand.
  await Promise.all(state.folders.map((dir) => fs.mkdir(dir, { recursive: true }).catch(() => undefined)));
  const agentConfinement: Confinement = {
    ...task,
    writable: [...task.writable, ...state.folders, ...state.files],
    // The CLI itself must stay visible where the private /tmp would hide it, and so must Todone's
    // own installation (agent CLIs installed beside it, wrappers that call them).
    readable: [...(task.readable ?? []), ...(await cliFolders(invocation.file)), ...todoneInstallation()],
  };
  const argv = confinedArgv(agentConfinement, invocation.file, invocation.args);
  return { invocation: { ...invocation, ...argv }, confinement: task };
}

/**
 * What the CLI needs to read: its own folder, where a `.bin` link points, and the whole
 * node_modules it was installed in (its dependencies and native parts live beside it). Under a
 * project in /tmp, the sandbox's private /tmp would hide them all.
 */
async function cliFolders(file: string): Promise<string[]> {
  if (!path.isAbsolute(file)) return [];
  const real = await fs.realpath(file).catch(() => file);
  const folders = [path.dirname(file), path.dirname(real)];
  for (let dir = path.dirname(real); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (path.basename(dir) === 'node_modules') {
      folders.push(dir);
      break;
    }
  }
  return [...new Set(folders)];
}

function todoneInstallation(): string[] {
  const root = findPackageRoot();
  return root ? [root] : [];
}

/** Where each CLI keeps its sessions, settings and logs: it fails without being able to write there. */
function cliStateFolders(
  kind: AgentKind,
  env: (name: string) => string | undefined,
  home: string,
): { folders: string[]; files: string[] } {
  switch (kind) {
    case 'codex':
      return { folders: [env('CODEX_HOME') ?? path.join(home, '.codex')], files: [] };
    case 'claude': {
      const configDir = env('CLAUDE_CONFIG_DIR');
      return configDir
        ? { folders: [configDir], files: [] }
        : { folders: [path.join(home, '.claude')], files: [path.join(home, '.claude.json')] };
    }
    case 'gemini':
      return { folders: [path.join(home, '.gemini')], files: [] };
    case 'aider':
      return { folders: [path.join(home, '.aider')], files: [] };
    default:
      return { folders: [], files: [] };
  }
}
