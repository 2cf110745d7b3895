/**
 * The worker's side of its spawner (spawner-main.ts): one helper process per worker process and
 * per network namespace its commands join (started there through nsenter, once), started with the
 * first command and again after it dies or hangs. A command's output is handed to a callback as it
 * arrives, all of it before its end resolves.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../../../src/util/package-root.js';
import { signal } from '../../../src/util/processes.js';
import type { SpawnerEvent, SpawnerRequest, SpawnRequest } from './protocol.js';

export type CommandEnd =
  | { kind: 'exit'; exitCode: number | null; signal: string | null }
  /** The command could not start: its own fault (a missing file or folder), said in `message`. */
  | { kind: 'spawn-error'; message: string }
  /**
   * The spawner died or hung: the worker's fault, not the command's. A command it had started may
   * still run, in its own group: the caller stops it.
   */
  | { kind: 'lost'; message: string };

export interface SpawnedCommand {
  /** The command's pid once it started; undefined when it could not. */
  started: Promise<number | undefined>;
  /** After all of its output went to the callback. */
  ended: Promise<CommandEnd>;
  /** Stops reading its output (the command blocks once its pipe is full), until `resume`. */
  pause(): void;
  resume(): void;
}

export type OutputCallback = (chunk: Buffer, stream: 'stdout' | 'stderr') => void;

/** A namespace a command joins first, as `nsenter ...enter file args` (network/network-namespace.ts). */
export interface NamespaceEntry {
  nsenter: string;
  enter: readonly string[];
}

export type CommandSpec = Omit<SpawnRequest, 'type' | 'id'> & {
  /**
   * Set when the command is `nsenter ...enter` and then the real one: a spawner already inside that
   * namespace starts the real one, which spares every such command nsenter's own start (0.4–1 ms
   * per command measured here; docs/benchmarks.md).
   */
  joins?: NamespaceEntry;
};

/** How long the spawner may take to say a command started before it counts as hung. */
const ANSWER_WITHIN_MS = 30_000;

interface Pending {
  /** The helper the command was handed to: its death ends the command for the worker. */
  via: ChildProcess;
  output: OutputCallback;
  started: (pid: number | undefined) => void;
  ended: (end: CommandEnd) => void;
  timer: NodeJS.Timeout;
}

/** The running spawners: '' is the worker's own namespace, other keys a namespace joined (placeKey). */
const helpers = new Map<string, ChildProcess>();
let nextId = 1;
const pending = new Map<number, Pending>();

/**
 * Starts `spec` through the spawner; `output` gets what it prints, in order, stream by stream. A
 * spawner that has not said the command started within `answerWithinMs` is taken for hung.
 */
export function spawnCommand(
  spec: CommandSpec,
  output: OutputCallback,
  { answerWithinMs = ANSWER_WITHIN_MS }: { answerWithinMs?: number } = {},
): SpawnedCommand {
  const id = nextId++;
  let started!: (pid: number | undefined) => void;
  let ended!: (end: CommandEnd) => void;
  const tell = (request: SpawnerRequest) => {
    const entry = pending.get(id);
    if (entry?.via.connected) entry.via.send(request, () => undefined);
  };
  const command: SpawnedCommand = {
    started: new Promise((resolve) => (started = resolve)),
    ended: new Promise((resolve) => (ended = resolve)),
    pause: () => tell({ type: 'pause', id }),
    resume: () => tell({ type: 'resume', id }),
  };
  const { place, request } = placed(spec);
  let via: ChildProcess;
  try {
    via = running(place);
  } catch (error) {
    started(undefined);
    ended({ kind: 'lost', message: `the process spawner cannot start: ${(error as Error).message}` });
    return command;
  }
  const timer = setTimeout(() => {
    // A spawner that does not answer is of no more use to later commands than to this one.
    if (pending.get(id)?.via === via) via.kill('SIGKILL');
  }, answerWithinMs);
  timer.unref();
  pending.set(id, { via, output, started, ended, timer });
  via.ref();
  via.channel?.ref();
  via.send({ type: 'spawn', id, ...request } satisfies SpawnRequest, (error) => {
    if (error) via.kill('SIGKILL');
  });
  return command;
}

/**
 * Where a command is started: a command that joins a namespace as its spec says goes, without its
 * nsenter prefix, to the spawner inside that namespace; anything else as it is to the worker's own.
 */
function placed(spec: CommandSpec): { place: NamespaceEntry | undefined; request: Omit<SpawnRequest, 'type' | 'id'> } {
  const { joins, ...request } = spec;
  const prefix = joins?.enter.length ?? 0;
  // The entry must end its options with `--`: what follows is then the command, never an option.
  const joining =
    joins !== undefined &&
    joins.enter.at(-1) === '--' &&
    spec.file === joins.nsenter &&
    spec.args.length > prefix &&
    joins.enter.every((arg, i) => spec.args[i] === arg);
  if (!joining) return { place: undefined, request };
  return { place: joins, request: { ...request, file: spec.args[prefix]!, args: spec.args.slice(prefix + 1) } };
}

const placeKey = (place: NamespaceEntry | undefined) => (place ? JSON.stringify([place.nsenter, ...place.enter]) : '');

function running(place: NamespaceEntry | undefined): ChildProcess {
  const key = placeKey(place);
  const current = helpers.get(key);
  if (current?.connected) return current;
  const started = fork(spawnerScript(), [], {
    // Advanced serialization carries output chunks as bytes rather than JSON arrays of numbers.
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // Its own session: a Ctrl-C to the worker's group must not end it under the running tasks.
    detached: true,
    // Nothing of the worker's environment or flags: each command brings its own environment, and a
    // NODE_OPTIONS with --inspect would open a debugger on the loopback the namespace's tasks share.
    // The one variable says whose spawner it is (`ps e`, the tests).
    env: { TODONE_SPAWNER_OF: String(process.pid) },
    // Inside a namespace, nsenter joins it and then runs Node on the spawner, its IPC channel inherited.
    ...(place ? { execPath: place.nsenter, execArgv: [...place.enter, process.execPath] } : { execArgv: [] }),
  });
  started.on('message', (event: SpawnerEvent) => deliver(event));
  const which = place ? "the worker's process spawner in a network namespace" : "the worker's process spawner";
  const lost = (why: string) => {
    if (helpers.get(key) === started) helpers.delete(key);
    for (const [id, entry] of [...pending])
      if (entry.via === started) settle(id, { kind: 'lost', message: `${which} ${why}` });
  };
  started.once('error', (error) => lost(`failed: ${error.message}`));
  // 'close', not 'exit': it comes after the last messages the spawner sent were read.
  started.once('close', (code, signalName) => {
    lost(signalName === 'SIGKILL' ? 'was killed or did not answer' : `exited (${signalName ?? `code ${code}`})`);
  });
  helpers.set(key, started);
  return started;
}

/**
 * The namespace `place` names is closed: its spawner, if one runs, is let go (it exits when its
 * channel closes; a command still running there ends as lost). A namespace opened later may be named
 * by the same descriptor paths, and must get a spawner of its own.
 */
export function releasePlace(place: NamespaceEntry): void {
  const key = placeKey(place);
  const helper = helpers.get(key);
  if (!helper) return;
  helpers.delete(key);
  if (helper.connected) helper.disconnect();
}

function deliver(event: SpawnerEvent): void {
  const entry = pending.get(event.id);
  if (!entry) {
    // Started after the worker stopped waiting for it: nobody would supervise it.
    if (event.type === 'spawned') signal(-event.pid, 'SIGKILL');
    return;
  }
  switch (event.type) {
    case 'spawned':
      clearTimeout(entry.timer);
      entry.started(event.pid);
      return;
    case 'output':
      entry.output(Buffer.from(event.chunk.buffer, event.chunk.byteOffset, event.chunk.byteLength), event.stream);
      return;
    case 'spawn-error':
      settle(event.id, { kind: 'spawn-error', message: event.message });
      return;
    case 'exit':
      settle(event.id, { kind: 'exit', exitCode: event.exitCode, signal: event.signal });
      return;
  }
}

function settle(id: number, end: CommandEnd): void {
  const entry = pending.get(id);
  if (!entry) return;
  pending.delete(id);
  clearTimeout(entry.timer);
  entry.started(undefined);
  entry.ended(end);
  const via = entry.via;
  if (![...pending.values()].some((other) => other.via === via)) {
    // Idle, a spawner must not keep a command-line process alive.
    via.unref();
    via.channel?.unref();
  }
}

/** The compiled spawner: beside this file in dist/, or dist's copy when running from the sources (tests). */
function spawnerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'spawner-main.js');
  const root = findPackageRoot(path.dirname(here));
  const built = root && path.join(root, 'dist', 'activities', 'process', 'spawner', 'spawner-main.js');
  if (!built || !existsSync(built)) throw new Error('it is not built: run `npm run build`');
  return built;
}
