/**
 * One round of the drafting agent: the same adapters tasks use (Claude Code, Codex, Gemini CLI,
 * Aider, or a custom argv template with {prompt} and {promptFile}), supervised the same way (own
 * process group, log file, killed at its deadline), and confined like a task where the sandbox
 * works: the whole filesystem read-only (the repository included, so it can be read), the draft's
 * folder writable, nothing else.
 */
import path from 'node:path';
import { hostSandboxProbes, type SandboxProbes } from '../../activities/agents/host-sandboxes.js';
import { plannedInvocation } from '../../activities/agents/planned-invocation.js';
import type { ResolvedAgent } from '../../activities/agents/types.js';
import { supervise } from '../../activities/process/supervise.js';
import type { AgentSpec, CliAgentSpec, NetworkPolicy, SandboxMode } from '../core/board.js';
import { SetupError } from '../errors.js';
import { modelEndpoints } from './model-endpoints.js';

export type DraftAgent =
  { kind: CliAgentSpec['kind']; model?: string; bin?: string } | { kind: 'custom'; command: string[] };

export interface DraftRound {
  agent: DraftAgent;
  sandbox: SandboxMode;
  prompt: string;
  promptFile: string;
  /** The draft's folder: the only place the agent may write; its log and prompt live there too. */
  draftDir: string;
  draftFile: string;
  /** The agent works here: the repository. */
  repo: string;
  round: number;
  timeoutMs: number;
  probes?: SandboxProbes;
}

export type RoundOutcome =
  { kind: 'exited'; exitCode: number; lastLine: string; logPath: string } | { kind: 'timed-out'; logPath: string };

/** Lets each CLI write the draft's folder although its workspace is the repository. */
function writeAccess(kind: CliAgentSpec['kind'], draftDir: string, draftFile: string): string[] {
  switch (kind) {
    case 'claude':
    case 'codex':
      return ['--add-dir', draftDir];
    case 'gemini':
      return ['--include-directories', draftDir];
    case 'aider':
      // Aider edits the files it is given.
      return [draftFile];
  }
}

function agentSpec(round: DraftRound): ResolvedAgent<AgentSpec> {
  // Confined, the default network policy: the outside through Todone's proxy, none of this machine's
  // services or private addresses but the model API the environment points the agent at.
  const network: NetworkPolicy = round.sandbox === 'none' ? true : { allow: modelEndpoints(process.env) };
  const confinement = { sandbox: round.sandbox, network };
  if (round.agent.kind === 'custom') return { kind: 'custom', command: round.agent.command, env: {}, ...confinement };
  const { kind, model, bin } = round.agent;
  return {
    kind,
    args: writeAccess(kind, round.draftDir, round.draftFile),
    env: {},
    ...(model ? { model } : {}),
    ...(bin ? { bin } : {}),
    ...confinement,
  };
}

export async function runDraftRound(round: DraftRound): Promise<RoundOutcome> {
  const probes = round.probes ?? hostSandboxProbes;
  if (round.sandbox === 'worktree') {
    const probe = await probes.confinement();
    if (probe.state !== 'works')
      throw new SetupError(
        `the drafting agent is to run confined (the repository read-only, only the draft writable), but bubblewrap ` +
          `cannot confine it on this host: ${probe.reason}. Install bubblewrap (Debian/Ubuntu: apt-get install ` +
          'bubblewrap) where unprivileged user namespaces are allowed, or give --sandbox none to run it with your full rights.',
      );
  }
  const planned = await plannedInvocation(
    {
      agent: agentSpec(round),
      prompt: round.prompt,
      promptFile: round.promptFile,
      worktree: round.draftDir,
      taskId: 'draft',
      boardId: 'draft',
      attempt: round.round,
      logDir: round.draftDir,
    },
    probes,
    { repo: round.repo, inWorktree: true },
  );
  if ('refused' in planned) throw new SetupError(planned.refused);
  const { invocation } = planned;
  const logPath = path.join(round.draftDir, `agent-${round.round}.log`);
  const deadline = AbortSignal.timeout(round.timeoutMs);
  const outcome = await supervise({
    file: invocation.file,
    args: invocation.args,
    cwd: round.repo,
    // The environment of the person who ran `todone draft` (a task's is minimal: sandbox/task-env.ts).
    env: { ...definedOnly(process.env), ...invocation.env, ...planned.env, TODONE_DRAFT_FILE: round.draftFile },
    logPath,
    pidFile: path.join(round.draftDir, 'agent.pid'),
    attempt: round.round,
    signal: deadline,
    progressEveryMs: 60_000,
    onProgress: () => undefined,
  });
  switch (outcome.kind) {
    case 'exited':
      return { kind: 'exited', exitCode: outcome.exitCode, lastLine: outcome.tail.lastLine, logPath };
    case 'killed':
      if (outcome.aborted) return { kind: 'timed-out', logPath };
      return { kind: 'exited', exitCode: 128, lastLine: `killed by ${outcome.signal}`, logPath };
    case 'spawn-error':
      throw new SetupError(`could not start the drafting agent (${invocation.file}): ${outcome.message}`);
  }
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
