/**
 * The agent's invocation with its confinement decided. A task with `sandbox: worktree` (the
 * loader's default) runs inside Todone's bubblewrap confinement, or not at all when that cannot
 * be set up here. A task with `sandbox: none` runs as its adapter says, except codex, whose own
 * sandbox may not work on this host (sandbox-plan.ts). Confined agents may write their worktree,
 * their scratch folder, the board's shared and cache folders, the CLI's own config folder and the
 * board's `writable` folders; the repository and the task's own data folder stay readable. The
 * task's checks get the same confinement without the CLI's folders.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AgentKind, NetworkPolicy } from '../../src/core/board.js';
import { allowList, networkMode } from '../../src/core/network-policy.js';
import {
  expandHome,
  realpathOrSelf,
  resolvedPathProblem,
  workdirProblem,
  writablePathProblem,
} from '../../src/board/writable-paths.js';
import { todoneHome } from '../../src/data-dir.js';
import { toolsDir } from '../../src/tools/tools-dir.js';
import { findPackageRoot } from '../../src/util/package-root.js';
import type { FilteredNetwork } from '../network/filtered-networks.js';
import { confinedArgv, type ConfinedNetwork, type Confinement } from '../process/sandbox.js';
import { cacheEnvironment } from '../sandbox/caches.js';
import { hostServices } from '../sandbox/host-services.js';
import type { TaskPlaces } from '../sandbox/task-places.js';
import type { SandboxProbes } from './host-sandboxes.js';
import { agentInvocation } from './index.js';
import { boardChoosesCodexSandbox, planCodexSandbox } from './sandbox-plan.js';
import type { AgentContext, AgentInvocation } from './types.js';

export type PlannedInvocation =
  | {
      invocation: AgentInvocation;
      /** What the task's checks run under too; absent when the task is not confined. */
      confinement?: Confinement;
      /** Todone's variables, which nothing overrides: a confined task's temp, the shared folder, the proxy. */
      env: Record<string, string>;
      /** Todone's variables a board may override: where the build tools keep their caches. */
      defaults: Record<string, string>;
      /** The filtered network the task joined: what its proxy refused. */
      network?: FilteredNetwork;
    }
  | { refused: string };

export interface PlanOptions {
  /** A git board's repository (on a fleet, this worker's clone): readable to the task, never writable. */
  repo?: string;
  /** The worker's environment, where HOME and the CLIs' config folders are found. */
  workerEnv?: NodeJS.ProcessEnv;
  /** The task's folders on this worker (task-places.ts); absent (a draft): only the working folder is its own. */
  places?: TaskPlaces;
  /** The board runs in a git worktree Todone made (else the workdir itself is writable, and checked). */
  inWorktree?: boolean;
}

export async function plannedInvocation(
  ctx: AgentContext,
  probes: SandboxProbes,
  options: PlanOptions,
): Promise<PlannedInvocation> {
  const { agent } = ctx;
  if (agent.sandbox === 'worktree') {
    const probe = await probes.confinement();
    if (probe.state !== 'works') return { refused: sandboxUnavailable(probe.reason) };
    return confined(ctx, probes, options, agent.network);
  }
  if (agent.kind !== 'codex' || boardChoosesCodexSandbox(agent.args) || agent.permissive === true)
    return { invocation: agentInvocation(ctx), env: shared(options.places), defaults: {} };
  const codex = await probes.codex(agent.bin ?? 'codex');
  // The confinement is only asked about when codex's own sandbox is found broken.
  const plan =
    codex.state === 'broken'
      ? planCodexSandbox(codex, await probes.confinement())
      : planCodexSandbox(codex, { state: 'unknown', reason: 'not needed' });
  if (plan.use === 'none') return { refused: plan.message };
  if (plan.use !== 'todone') return { invocation: agentInvocation(ctx), env: shared(options.places), defaults: {} };
  // Confined only because codex's own sandbox cannot work here: the network it would have had.
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
  policy: NetworkPolicy | undefined,
): Promise<PlannedInvocation> {
  const { places } = options;
  const invocation = agentInvocation({ ...ctx, confinedByTodone: true });
  const workerEnv = options.workerEnv ?? process.env;
  const env = (name: string) => ctx.agent.env[name] ?? invocation.env[name] ?? workerEnv[name];
  const home = env('HOME') ?? os.homedir();
  const writable = writableFolders(ctx, options, home);
  if ('refused' in writable) return writable;
  const state = cliStateFolders(ctx.agent.kind, env, home);
  for (const folder of state.folders) {
    // The user's own link (a dotfiles checkout) is fine here: only where it leads is checked.
    const problem = resolvedPathProblem(realpathOrSelf(path.resolve(folder)), placesContext(places, home));
    if (problem)
      return { refused: `the agent's config folder ${folder} cannot be writable to a confined task: it ${problem}` };
  }
  const network = await confinedNetwork(policy, probes, workerEnv);
  if ('refused' in network) return network;
  const services = await hostServices();
  const task: Confinement = {
    bwrap: probes.bwrap,
    writable: [ctx.worktree, ...(places ? [places.scratch, places.shared, places.cache] : []), ...writable.folders],
    readable: [...(options.repo ? [options.repo] : []), ...(places ? [places.dir] : [])],
    hidden: [...(places ? [places.home] : []), ...services.folders],
    // Read-only even where a writable folder holds them (a workdir above the home): what the
    // user's own programs read at start, and the tools the worker itself runs.
    readOnly: [home, os.homedir(), toolsDir()],
    masked: services.sockets,
    network: network.confined,
  };
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
  return {
    invocation: { ...invocation, ...argv },
    confinement: task,
    defaults: places ? cacheEnvironment(places.cache) : {},
    env: {
      TMPDIR: '/tmp',
      ...shared(places),
      ...(network.filtered?.env ?? {}),
    },
    ...(network.filtered ? { network: network.filtered } : {}),
  };
}

function shared(places: TaskPlaces | undefined): Record<string, string> {
  return places ? { TODONE_SHARED_DIR: places.shared } : {};
}

function placesContext(places: TaskPlaces | undefined, home: string) {
  return { home, dataDir: places?.home ?? todoneHome(), toolsDir: toolsDir() };
}

/**
 * The board's `writable` folders, checked again here, on the machine that runs the task (its home,
 * its data folder), and the workdir of a board without a repository, which its tasks write in.
 */
function writableFolders(
  ctx: AgentContext,
  options: PlanOptions,
  home: string,
): { folders: string[] } | { refused: string } {
  const context = { ...placesContext(options.places, home), ...(options.repo ? { repo: options.repo } : {}) };
  if (!options.inWorktree) {
    const problem = workdirProblem(path.resolve(ctx.worktree), context);
    if (problem) return { refused: `workdir ${ctx.worktree}: confined tasks write in it, and it ${problem}` };
  }
  const folders: string[] = [];
  for (const given of ctx.agent.writable ?? []) {
    const problem = writablePathProblem(given, context);
    if (problem) return { refused: `writable: ${given} ${problem}` };
    folders.push(path.resolve(expandHome(given, home)));
  }
  return { folders };
}

async function confinedNetwork(
  policy: NetworkPolicy | undefined,
  probes: SandboxProbes,
  workerEnv: NodeJS.ProcessEnv,
): Promise<{ confined: ConfinedNetwork; filtered?: FilteredNetwork } | { refused: string }> {
  const mode = networkMode(policy);
  if (mode !== 'filtered') return { confined: mode };
  const joined = await probes.filteredNetwork(allowList(policy), workerEnv);
  if ('refused' in joined) return joined;
  return { confined: { nsenter: joined.nsenter, enter: joined.enter }, filtered: joined };
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
