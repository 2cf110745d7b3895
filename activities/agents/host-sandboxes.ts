/**
 * The host's sandboxes, probed once per worker process (each probe is bounded) and shared by every
 * task it runs; `todone worker` and `todone run` print what was found.
 */
import path from 'node:path';
import { DEFAULT_BWRAP, probeConfinement, type ProbeResult } from '../process/sandbox.js';
import { joinFilteredNetwork, type FilteredNetwork } from '../network/filtered-networks.js';
import { probeCodexSandbox } from './codex-sandbox-probe.js';
import { describeCodexSandbox } from './sandbox-plan.js';
import { SetupError } from '../../src/errors.js';
import { isExecutableFile } from '../../src/tools/locate.js';
import { ensureTool } from '../../src/tools/provision.js';

/** What the task activity asks about the host; tests hand in their own answers. */
export interface SandboxProbes {
  /** The bubblewrap executable Todone confines agents with. */
  bwrap: string;
  codex(bin: string): Promise<ProbeResult>;
  confinement(): Promise<ProbeResult>;
  /**
   * Joins the filtered network for this allow list, chained to the worker environment's proxies
   * (after `confinement()` found bubblewrap working).
   */
  filteredNetwork(
    allow: readonly string[],
    workerEnv: NodeJS.ProcessEnv,
  ): Promise<FilteredNetwork | { refused: string }>;
}

const cache = new Map<string, Promise<ProbeResult>>();

function once(key: string, probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  let result = cache.get(key);
  if (!result) {
    result = probe().catch((error: unknown) => ({
      state: 'unknown' as const,
      reason: `the probe failed: ${String(error)}`,
    }));
    cache.set(key, result);
  }
  return result;
}

let bwrap = DEFAULT_BWRAP;

/**
 * Bubblewrap from TODONE_BWRAP, PATH or the tools folder, fetched there on first use: a machine
 * without Debian's bubblewrap still confines its tasks. Read `bwrap` after `confinement()`.
 */
export const hostSandboxProbes: SandboxProbes = {
  get bwrap() {
    return bwrap;
  },
  codex: (bin) => once(`codex:${bin}`, () => probeCodexSandbox(bin)),
  confinement: () =>
    once('bwrap', async () => {
      try {
        bwrap = (await ensureTool('bwrap')).path;
      } catch (error) {
        if (error instanceof SetupError) return { state: 'missing' as const, reason: error.message };
        throw error;
      }
      return probeConfinement(bwrap);
    }),
  filteredNetwork: async (allow, workerEnv) => {
    const nsenter = await (nsenterFound ??= findNsenter());
    if (!nsenter) return { refused: filteredNetworkUnavailable("util-linux's nsenter is not on PATH") };
    try {
      return await joinFilteredNetwork(allow, { bwrap, nsenter }, workerEnv);
    } catch (error) {
      return { refused: filteredNetworkUnavailable(error instanceof Error ? error.message : String(error)) };
    }
  },
};

export function filteredNetworkUnavailable(reason: string): string {
  return (
    `the task's network is the default (the outside through Todone's proxy, not this machine's own services), ` +
    `which cannot be set up on this host: ${reason}. Set \`network: true\` (the host's network, loopback services included) ` +
    'or `network: false` (none) on the board or the task.'
  );
}

/** Looked for once per worker: a sandboxed task would otherwise stat every PATH folder as it starts. */
let nsenterFound: Promise<string | undefined> | undefined;

/** util-linux is on every Linux, but not always on a worker's PATH (sbin folders). */
async function findNsenter(): Promise<string | undefined> {
  const dirs = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    '/usr/bin',
    '/bin',
    '/usr/sbin',
    '/sbin',
  ];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nsenter');
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The line `todone worker` and `todone run` print, for the codex on PATH. */
export async function describeHostSandboxes(probes: SandboxProbes = hostSandboxProbes): Promise<string> {
  const [codex, confinement] = await Promise.all([probes.codex('codex'), probes.confinement()]);
  return describeCodexSandbox(codex, confinement);
}
