/**
 * The worker's side of its spawner (spawner-main.ts): one helper process per worker process,
 * started with the first command and again after it dies. A command's output is handed to a
 * callback as it arrives, all of it before its end resolves.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../../../src/util/package-root.js';
import { signal } from '../../../src/util/processes.js';
import type { SpawnerEvent, SpawnRequest } from './protocol.js';

export type CommandEnd =
  { kind: 'exit'; exitCode: number | null; signal: string | null } | { kind: 'spawn-error'; message: string };

export interface SpawnedCommand {
  /** The command's pid once it started; undefined when it could not. */
  started: Promise<number | undefined>;
  /** After all of its output went to the callback. */
  ended: Promise<CommandEnd>;
}

export type OutputCallback = (chunk: Buffer, stream: 'stdout' | 'stderr') => void;

export type CommandSpec = Omit<SpawnRequest, 'type' | 'id'>;

/** How long the spawner may take to say a command started before it counts as broken. */
const ANSWER_WITHIN_MS = 30_000;

interface Pending {
  /** The helper the command was handed to: its death ends the command for the worker. */
  via: ChildProcess;
  output: OutputCallback;
  started: (pid: number | undefined) => void;
  ended: (end: CommandEnd) => void;
  answered: boolean;
  timer: NodeJS.Timeout;
}

let helper: ChildProcess | undefined;
let nextId = 1;
const pending = new Map<number, Pending>();

/** Starts `spec` through the spawner; `output` gets what it prints, in order, stream by stream. */
export function spawnCommand(spec: CommandSpec, output: OutputCallback): SpawnedCommand {
  const id = nextId++;
  let started!: (pid: number | undefined) => void;
  let ended!: (end: CommandEnd) => void;
  const command: SpawnedCommand = {
    started: new Promise((resolve) => (started = resolve)),
    ended: new Promise((resolve) => (ended = resolve)),
  };
  const timer = setTimeout(() => {
    const entry = pending.get(id);
    if (entry && !entry.answered)
      fail(id, `the process spawner did not start the command within ${ANSWER_WITHIN_MS / 1000} s`);
  }, ANSWER_WITHIN_MS);
  timer.unref();
  const via = running();
  pending.set(id, { via, output, started, ended, answered: false, timer });
  via.ref();
  via.channel?.ref();
  const request: SpawnRequest = { type: 'spawn', id, ...spec };
  via.send(request, (error) => {
    if (error) fail(id, `the process spawner could not be reached: ${error.message}`);
  });
  return command;
}

function running(): ChildProcess {
  if (helper?.connected) return helper;
  const started = fork(spawnerScript(), [], {
    // Advanced serialization carries output chunks as bytes rather than JSON arrays of numbers.
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    // The worker's own flags (an inspector, a profiler) are not the spawner's.
    execArgv: [],
  });
  started.on('message', (event: SpawnerEvent) => deliver(event));
  const lost = (why: string) => {
    if (helper === started) helper = undefined;
    for (const [id, entry] of [...pending]) if (entry.via === started) fail(id, `the process spawner ${why}`);
  };
  started.once('error', (error) => lost(`failed: ${error.message}`));
  started.once('exit', (code, signal) => lost(`exited (${signal ?? `code ${code}`})`));
  helper = started;
  return started;
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
      entry.answered = true;
      clearTimeout(entry.timer);
      entry.started(event.pid);
      return;
    case 'output':
      entry.output(Buffer.from(event.chunk.buffer, event.chunk.byteOffset, event.chunk.byteLength), event.stream);
      return;
    case 'spawn-error':
      fail(event.id, event.message);
      return;
    case 'exit':
      settle(event.id, { kind: 'exit', exitCode: event.exitCode, signal: event.signal });
      return;
  }
}

function fail(id: number, message: string): void {
  const entry = pending.get(id);
  if (!entry) return;
  // A command that started and lost its spawner ended for the worker: its group is the caller's to stop.
  settle(id, entry.answered ? { kind: 'exit', exitCode: null, signal: 'SIGKILL' } : { kind: 'spawn-error', message });
}

function settle(id: number, end: CommandEnd): void {
  const entry = pending.get(id);
  if (!entry) return;
  pending.delete(id);
  clearTimeout(entry.timer);
  entry.started(undefined);
  entry.ended(end);
  if (pending.size === 0 && helper) {
    // Idle, the spawner must not keep a command-line process alive.
    helper.unref();
    helper.channel?.unref();
  }
}

/** The compiled spawner: beside this file in dist/, or dist's copy when running from the sources (tests). */
function spawnerScript(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'spawner-main.js');
  const root = findPackageRoot(path.dirname(here));
  const built = root && path.join(root, 'dist', 'activities', 'process', 'spawner', 'spawner-main.js');
  if (!built || !existsSync(built)) throw new Error('the process spawner is not built: run `npm run build`');
  return built;
}
