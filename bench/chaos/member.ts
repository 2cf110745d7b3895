/**
 * One process of the fleet (a worker, the submitter): started from the built CLI, its output
 * appended to a log file of its own across restarts, signalled by the fault injector, started
 * again. `up` settles when the process has said the line that means it is ready.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { findPackageRoot } from '../../src/util/package-root.js';

const ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
if (!ROOT) throw new Error('chaos: cannot find the package root (bin/todone.js)');
export const TODONE_BIN = path.join(ROOT, 'bin', 'todone.js');

export interface MemberSpec {
  name: string;
  args: string[];
  env: Record<string, string>;
  logFile: string;
  /** The line (on stdout) that says it is ready. */
  readyLine?: RegExp;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Member {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  /** Settles when the current process exits. */
  exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });
  /** The current process's stdout, whole (the submitter's result). */
  stdout = '';
  starts = 0;
  stopped = false;
  /** Set while the run itself ends the process (a fault, a stop): any other exit is the process's own. */
  private ending = false;
  /** Called when the process exits by itself, not by a signal this run sent. */
  onOwnExit: ((exit: Exit) => void) | undefined;

  constructor(readonly spec: MemberSpec) {
    this.log = createWriteStream(spec.logFile, { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process; resolves once it said its ready line (or at once without one). */
  async start(readyWithinMs = 60_000): Promise<void> {
    this.starts++;
    this.stopped = false;
    this.ending = false;
    this.stdout = '';
    this.log.write(`\n=== ${new Date().toISOString()} start ${this.starts}: todone ${this.spec.args.join(' ')}\n`);
    const child = spawn(process.execPath, [TODONE_BIN, ...this.spec.args], {
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then((exit) => {
      this.log.write(`=== exited ${exit.signal ?? exit.code}\n`);
      if (!this.ending && this.child === child) this.onOwnExit?.(exit);
    });
    let ready: () => void = () => undefined;
    const readyNow = new Promise<void>((resolve) => (ready = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      this.stdout += text;
      this.log.write(text);
      if (!this.spec.readyLine || this.spec.readyLine.test(this.stdout)) ready();
    });
    child.stderr.on('data', (chunk: Buffer) => this.log.write(chunk));
    if (!this.spec.readyLine) return;
    const exitedFirst = this.exited.then((exit) => {
      throw new Error(
        `${this.spec.name} exited (${exit.signal ?? exit.code}) before it was ready: see ${this.spec.logFile}`,
      );
    });
    const late = delay(readyWithinMs, undefined, { ref: false }).then(() => {
      throw new Error(`${this.spec.name} was not ready within ${readyWithinMs / 1000} s: see ${this.spec.logFile}`);
    });
    await Promise.race([readyNow, exitedFirst, late]);
  }

  signal(name: NodeJS.Signals): boolean {
    const pid = this.pid;
    if (pid === undefined) return false;
    try {
      process.kill(pid, name);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    this.ending = true;
    if (this.signal('SIGKILL')) await this.exited;
  }

  /** SIGINT (a graceful stop), SIGKILL if it is not gone within `graceMs`. */
  async stop(graceMs = 30_000): Promise<Exit> {
    this.stopped = true;
    this.ending = true;
    if (!this.alive) return this.exited;
    this.signal('SIGCONT');
    this.signal('SIGINT');
    const late = delay(graceMs, 'late' as const, { ref: false });
    if ((await Promise.race([this.exited, late])) === 'late') await this.kill();
    return this.exited;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
