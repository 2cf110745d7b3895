/**
 * The host's sandboxes, probed once per worker process (each probe is bounded) and shared by every
 * task it runs; `todone worker` and `todone run` print what was found.
 */
import { DEFAULT_BWRAP, probeConfinement, type ProbeResult } from '../process/sandbox.js';
import { probeCodexSandbox } from './codex-sandbox-probe.js';
import { describeCodexSandbox } from './sandbox-plan.js';
import { SetupError } from '../../src/errors.js';
import { ensureTool } from '../../src/tools/provision.js';

/** What the task activity asks about the host; tests hand in their own answers. */
export interface SandboxProbes {
  /** The bubblewrap executable Todone confines agents with. */
  bwrap: string;
  codex(bin: string): Promise<ProbeResult>;
  confinement(): Promise<ProbeResult>;
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
};

/** The line `todone worker` and `todone run` print, for the codex on PATH. */
export async function describeHostSandboxes(probes: SandboxProbes = hostSandboxProbes): Promise<string> {
  const [codex, confinement] = await Promise.all([probes.codex('codex'), probes.confinement()]);
  return describeCodexSandbox(codex, confinement);
}
