/**
 * Todone's own confinement of a task's processes, with bubblewrap: the whole filesystem read-only,
 * a private /tmp and /dev, and read-write only what the task activity decides (the task's folder,
 * its scratch folder, the board's shared and cache folders, the CLI's config folder, the board's
 * `writable` folders). Todone's data folder and the host's service sockets are hidden; a `.git` in a
 * writable folder stays read-only, since git runs its hooks and config outside the sandbox. The
 * network is the host's, none, or a namespace of Todone's joined with nsenter (network/).
 *
 * No `--new-session`: the agent must stay in the process group Todone kills on cancel (a pid
 * namespace does not take it out of that group; its processes also die with their namespace).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lastLine, runBounded } from './run-bounded.js';
import type { NamespaceEntry } from './spawner/spawner-client.js';

export const DEFAULT_BWRAP = 'bwrap';

export type ConfinedNetwork =
  /** The host's network, loopback services included. */
  | 'host'
  /** Its own namespace with only a loopback: it reaches nothing. */
  | 'none'
  /**
   * A namespace of Todone's (the filtered policy): `nsenter` runs bubblewrap inside it, or the
   * worker's spawner already there does (ConfinedArgv's `joins`).
   */
  | NamespaceEntry;

export interface Confinement {
  /** The bubblewrap executable. */
  bwrap: string;
  /** Folders the confined command may write; everything else is read-only. Missing ones are skipped. */
  writable: readonly string[];
  /** Folders under /tmp or a hidden folder it must still see, read-only. */
  readable?: readonly string[];
  /** Folders it sees empty (a tmpfs over them), even inside a writable one: Todone's data folder, service folders. */
  hidden?: readonly string[];
  /** Folders kept read-only even inside a writable one: the user's home, Todone's tools. */
  readOnly?: readonly string[];
  /** Files it sees as an empty device: the host's service sockets. */
  masked?: readonly string[];
  /** Absent: the host's network (the codex fallback and older callers). */
  network?: ConfinedNetwork;
}

/**
 * A confined command, complete as it stands. `joins`: it begins by joining a namespace with nsenter,
 * which a runner already inside that namespace may skip (the worker's spawner does).
 */
export interface ConfinedArgv {
  file: string;
  args: string[];
  joins?: NamespaceEntry;
}

/**
 * The argv that runs `file args` confined. Mounts are laid in layers, each over the ones before:
 * the private /tmp; what it may read and write; then what no writable folder may open up (hidden
 * and read-only folders, so a workdir holding your home or Todone's data folder does not make them
 * writable); then again what of its own lies inside those; last, a .git in a writable folder.
 */
export function confinedArgv(confinement: Confinement, file: string, args: readonly string[]): ConfinedArgv {
  const unique = (dirs: readonly string[] | undefined) => [...new Set((dirs ?? []).map((dir) => path.resolve(dir)))];
  const writable = unique(confinement.writable);
  const readable = unique(confinement.readable).filter((dir) => !writable.includes(dir));
  const hidden = unique(confinement.hidden);
  const readOnly = unique(confinement.readOnly).filter((dir) => !hidden.includes(dir));
  const guarded = [...hidden, ...readOnly];
  const insideGuarded = (dir: string) => guarded.some((guard) => dir !== guard && dir.startsWith(`${guard}/`));
  const outsideGuarded = (dir: string) => !insideGuarded(dir);
  const own = (dirs: string[], flag: string) => dirs.flatMap((dir) => [flag, dir, dir]);
  const network = confinement.network ?? 'host';
  const bwrapArgs = [
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
    ...(network === 'none' ? ['--unshare-net'] : []),
    '--tmpfs',
    '/tmp',
    // Writable last in each layer, so a writable folder inside a readable one stays writable. A
    // folder inside a guarded one is mounted once, after its guard: here the guard would cover it
    // (each mount costs the task's start time).
    ...own(readable.filter(outsideGuarded), '--ro-bind-try'),
    ...own(writable.filter(outsideGuarded), '--bind-try'),
    // Read-only before hidden: Todone's data folder is often inside the home.
    ...own(readOnly, '--ro-bind-try'),
    ...hidden.flatMap((dir) => ['--tmpfs', dir]),
    ...own(readable.filter(insideGuarded), '--ro-bind-try'),
    ...own(writable.filter(insideGuarded), '--bind-try'),
    // Empty and read-only (its own folders inside it, mounted above, keep theirs).
    ...hidden.flatMap((dir) => ['--remount-ro', dir]),
    // A repository's .git inside a writable folder stays read-only: git runs its hooks and reads its
    // config from there outside the sandbox (the worker's git, the user's next commit).
    ...own(
      writable.map((dir) => path.join(dir, '.git')),
      '--ro-bind-try',
    ),
    ...unique(confinement.masked).flatMap((socket) => ['--ro-bind-try', '/dev/null', socket]),
    '--die-with-parent',
    '--',
    file,
    ...args,
  ];
  if (typeof network === 'object')
    return { file: network.nsenter, args: [...network.enter, confinement.bwrap, ...bwrapArgs], joins: network };
  return { file: confinement.bwrap, args: bwrapArgs };
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
