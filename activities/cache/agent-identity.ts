/**
 * The agent part of a cached task's key: its kind, and for a coding-agent CLI the version the CLI
 * reports (`<bin> --version`, asked once per worker process and binary) and the version of Todone
 * that wrote its prompt. A CLI whose version cannot be read leaves the task uncached: a key that
 * could not tell an upgraded agent from the old one would hand out wrong hits. A shell or custom
 * command is named by its command line, already in the key.
 */
import { execa } from 'execa';
import type { AgentSpec } from '../../src/core/board.js';
import { todoneVersion } from '../../src/version.js';

export type AgentIdentity = { identity: { kind: string; version?: string; todone?: string } } | { uncacheable: string };

const PROBE_TIMEOUT_MS = 15_000;

export type IdentifyAgent = (agent: AgentSpec, workerEnv: NodeJS.ProcessEnv) => Promise<AgentIdentity>;

/** One per worker: each CLI binary is asked its version once, when a cached task first needs it. */
export function agentIdentities(): IdentifyAgent {
  const versions = new Map<string, Promise<string | { error: string }>>();
  return async (agent, workerEnv) => {
    if (agent.kind === 'shell' || agent.kind === 'custom') return { identity: { kind: agent.kind } };
    const bin = agent.bin ?? agent.kind;
    const probeKey = `${bin}\0${workerEnv.PATH ?? ''}`;
    let probe = versions.get(probeKey);
    if (!probe) {
      probe = probeVersion(bin, workerEnv);
      versions.set(probeKey, probe);
    }
    const version = await probe;
    if (typeof version !== 'string')
      return { uncacheable: `the ${agent.kind} CLI's version could not be read (${bin} --version: ${version.error})` };
    return { identity: { kind: agent.kind, version, todone: todoneVersion() } };
  };
}

async function probeVersion(bin: string, workerEnv: NodeJS.ProcessEnv): Promise<string | { error: string }> {
  const run = await execa(bin, ['--version'], {
    env: { PATH: workerEnv.PATH ?? '', HOME: workerEnv.HOME ?? '', LC_ALL: 'C' },
    extendEnv: false,
    stdin: 'ignore',
    reject: false,
    timeout: PROBE_TIMEOUT_MS,
    maxBuffer: 64 * 1024,
  });
  const line = `${run.stdout}`.trim().split('\n')[0]?.trim().slice(0, 200) ?? '';
  if (run.exitCode === 0 && line !== '') return line;
  if (run.timedOut) return { error: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` };
  if (run.exitCode === undefined) return { error: run.shortMessage ?? 'it did not start' };
  return { error: `exit ${run.exitCode}${line ? '' : ', nothing printed'}` };
}
