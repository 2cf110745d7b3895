/**
 * The spawner: a small process that starts a worker's commands for it.
 *
 * Why a process of its own: starting a command forks the process that starts it, and forking a
 * worker (hundreds of MB, a dozen threads) costs about 4 ms of CPU and blocks its main thread
 * that long, per command. This process is a few tens of MB, so a fork here costs a fraction of
 * that, and the worker's main thread only sends a message. Commands run in process groups of their
 * own, as before; the worker signals them directly by pid.
 *
 * It exits when its worker does (the IPC channel closes), leaving the commands' groups to the pid
 * files, as a worker's own death always has.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { SpawnRequest, SpawnerEvent } from './protocol.js';

/** Output in flight to the worker past which every command's output waits (a flood must not fill memory). */
const PAUSE_AT_BYTES = 8 * 2 ** 20;
const RESUME_AT_BYTES = 2 * 2 ** 20;

let inFlightBytes = 0;
const paused = new Set<Readable>();

function send(event: SpawnerEvent, bytes = 0): void {
  inFlightBytes += bytes;
  process.send!(event, undefined, undefined, () => {
    inFlightBytes -= bytes;
    if (inFlightBytes > RESUME_AT_BYTES) return;
    for (const stream of paused) stream.resume();
    paused.clear();
  });
}

function forward(id: number, name: 'stdout' | 'stderr', stream: Readable | null): void {
  stream?.on('data', (chunk: Buffer) => {
    send({ type: 'output', id, stream: name, chunk }, chunk.length);
    if (inFlightBytes > PAUSE_AT_BYTES) {
      stream.pause();
      paused.add(stream);
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
    // Node reports a command that cannot start (ENOENT, EACCES, a missing cwd) as an 'error' event.
    child.once('error', (error) => send({ type: 'spawn-error', id: request.id, message: error.message }));
    return;
  }
  send({ type: 'spawned', id: request.id, pid: child.pid });
  // Once started, an 'error' (a signal that could not be sent) changes nothing the worker waits on.
  child.on('error', () => undefined);
  forward(request.id, 'stdout', child.stdout);
  forward(request.id, 'stderr', child.stderr);
  child.once('close', (exitCode, signal) => send({ type: 'exit', id: request.id, exitCode, signal }));
}

process.on('message', (message: SpawnRequest) => {
  if (message.type === 'spawn') start(message);
});
process.on('disconnect', () => process.exit(0));
