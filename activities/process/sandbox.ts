/**
 * Todone's own confinement of a task's processes, with bubblewrap: the whole filesystem read-only,
 * a private /tmp and /dev, and read-write only where the task works (its worktree, its data folder,
 * the CLI's own config and temp folders). The network stays (agents talk to their model) unless
 * the board cuts it. Boards get it with `sandbox: worktree` (the default); codex also gets it where
 * its own sandbox cannot work, so a CLI's permissive mode runs only in here.
 *
 * No `--new-session`: the agent must stay in the process group Todone kills on cancel (a pid
 * namespace does not take it out of that group; its processes also die with their namespace).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lastLine, runBounded } from './run-bounded.js';

export const DEFAULT_BWRAP = 'bwrap';

export interface Confinement {
  /** The bubblewrap executable. */
  bwrap: string;
  /** Folders the confined command may write; everything else is read-only. Missing ones are skipped. */
  writable: readonly string[];
  /** Folders under /tmp it must still see, read-only (the private /tmp hides the host's). */
  readable?: readonly string[];
  /** false: its own network namespace with only a loopback, so it can reach nothing outside. */
  network?: boolean;
}

/** The argv that runs `file args` confined. */
export function confinedArgv(
  confinement: Confinement,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  const writable = [...new Set(confinement.writable.map((dir) => path.resolve(dir)))];
  const readable = [...new Set((confinement.readable ?? []).map((dir) => path.resolve(dir)))].filter(
    (dir) => !writable.includes(dir),
  );
  return {
    file: confinement.bwrap,
    args: [
      '--ro-bind',
      '/',
      '/',
      '--dev',
      '/dev',
      // Its own /proc (in its own pid namespace): the host's, read-only, would break the agent's
      // tools that set up namespaces of their own (a browser's sandbox, rootless containers).
      '--unshare-pid',
      '--proc',
      '/proc',
      ...(confinement.network === false ? ['--unshare-net'] : []),
      '--tmpfs',
      '/tmp',
      // Mounted after /tmp, so folders under /tmp show through the private one; writable ones last,
      // so a writable folder inside a readable one stays writable.
      ...readable.flatMap((dir) => ['--ro-bind-try', dir, dir]),
      ...writable.flatMap((dir) => ['--bind-try', dir, dir]),
      '--die-with-parent',
      '--',
      file,
      ...args,
    ],
  };
}

export type ProbeResult =
  | { state: 'works' }
  /** It ran and failed: the reason is its own last words. */
  | { state: 'broken'; reason: string }
  /** Not installed: nothing to run. */
  | { state: 'missing'; reason: string }
  /** No verdict (timed out, an unexpected answer): treat as unknown, not as broken. */
  | { state: 'unknown'; reason: string };

export const PROBE_TIMEOUT_MS = 10_000;

/**
 * Runs the real confinement on a trivial command: it must write in its writable folder and be
 * refused anywhere else. Either failing means agents cannot be confined here.
 */
export async function probeConfinement(bwrap: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-bwrap-probe-'));
  try {
    const inside = path.join(root, 'writable');
    const outside = path.join(root, 'read-only');
    await fs.mkdir(inside);
    await fs.mkdir(outside);
    const script =
      'echo ok > writable/probe && if echo no > read-only/probe 2>/dev/null; then echo "writes outside its folders were not refused"; exit 3; fi';
    const argv = confinedArgv({ bwrap, writable: [inside] }, '/bin/sh', ['-c', script]);
    const run = await runBounded(argv.file, argv.args, { cwd: root, timeoutMs });
    if (run.spawnError)
      return { state: 'missing', reason: `${bwrap} could not be run (${run.spawnError}): is bubblewrap installed?` };
    if (run.timedOut) return { state: 'unknown', reason: `${bwrap} did not answer within ${timeoutMs / 1000}s` };
    const wrote = await fs.readFile(path.join(inside, 'probe'), 'utf8').catch(() => '');
    if (run.exitCode === 0 && wrote === 'ok\n') return { state: 'works' };
    return { state: 'broken', reason: lastLine(run.output) || `${bwrap} exited with code ${run.exitCode}` };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
