/**
 * The spawner: a small process that starts a worker's commands for it.
 *
 * Why a process of its own: starting a command forks the process that starts it, and forking a
 * worker (hundreds of MB, a dozen threads) costs about 4 ms of CPU and blocks its main thread
 * that long, per command. This process is a few tens of MB, so a fork here costs a fraction of
 * that, and the worker's main thread only sends a message. Commands run in process groups of their
 * own, as before; the worker signals them directly by pid.
 *
 * It runs in a session of its own, so a Ctrl-C meant for the worker (which then lets its tasks
 * finish) does not reach it, and it leaves when its worker does, however the worker ends: its IPC
 * channel closes. The commands' groups outlive both, for the pid files, as they always did.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { SpawnerEvent, SpawnerRequest, SpawnRequest } from './protocol.js';

/** Output in flight to the worker past which every command's output waits (a flood must not fill memory). */
const PAUSE_AT_BYTES = 8 * 2 ** 20;
const RESUME_AT_BYTES = 2 * 2 ** 20;

let inFlightBytes = 0;
/** Held back because too much is in flight to the worker. */
const waiting = new Set<Readable>();
/** Held back because the worker asked (its log cannot keep up). */
const held = new Set<Readable>();
/** The commands' output streams, while they run. */
const running = new Map<number, Readable[]>();

function send(event: SpawnerEvent, bytes = 0): void {
  inFlightBytes += bytes;
  process.send!(event, undefined, undefined, () => {
    inFlightBytes -= bytes;
    if (inFlightBytes > RESUME_AT_BYTES) return;
    for (const stream of waiting) if (!held.has(stream)) stream.resume();
    waiting.clear();
  });
}

function forward(id: number, name: 'stdout' | 'stderr', stream: Readable): void {
  stream.on('data', (chunk: Buffer) => {
    send({ type: 'output', id, stream: name, chunk }, chunk.length);
    if (inFlightBytes > PAUSE_AT_BYTES) {
      stream.pause();
      waiting.add(stream);
    }
  });
}

function start(request: SpawnRequest): void {
  let stdin: number | 'ignore' = 'ignore';
  let child: ChildProcess;
  try {
    if (request.stdinFile) stdin = fs.openSync(request.stdinFile, 'r');
    child = spawn(request.file, request.args, {
      cwd: request.cwd,
      env: request.env,
      // Agents wait on an open stdin; a new process group lets cancellation reach grandchildren.
      stdio: [stdin, 'pipe', 'pipe'],
      detached: true,
    });
  } catch (error) {
    send({ type: 'spawn-error', id: request.id, message: (error as Error).message });
    return;
  } finally {
    if (typeof stdin === 'number') fs.closeSync(stdin);
  }
  if (child.pid === undefined) {
    // Node reports a command that cannot start (ENOENT, EACCES, a missing cwd) as an 'error' event,
    // a missing working folder as the command's ENOENT: name the folder then.
    child.once('error', (error) => {
      const noFolder = (error as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(request.cwd);
      const message = noFolder ? `its working folder ${request.cwd} does not exist` : error.message;
      send({ type: 'spawn-error', id: request.id, message });
    });
    return;
  }
  send({ type: 'spawned', id: request.id, pid: child.pid });
  // Once started, an 'error' (a signal that could not be sent) changes nothing the worker waits on.
  child.on('error', () => undefined);
  const streams = [child.stdout!, child.stderr!];
  running.set(request.id, streams);
  forward(request.id, 'stdout', child.stdout!);
  forward(request.id, 'stderr', child.stderr!);
  child.once('close', (exitCode, signal) => {
    running.delete(request.id);
    for (const stream of streams) {
      held.delete(stream);
      waiting.delete(stream);
    }
    send({ type: 'exit', id: request.id, exitCode, signal });
  });
}

function flow(id: number, hold: boolean): void {
  for (const stream of running.get(id) ?? []) {
    if (hold) {
      held.add(stream);
      stream.pause();
    } else {
      held.delete(stream);
      if (!waiting.has(stream)) stream.resume();
    }
  }
}

process.on('message', (message: SpawnerRequest) => {
  if (message.type === 'spawn') start(message);
  else flow(message.id, message.type === 'pause');
});
process.on('disconnect', () => process.exit(0));
