import { spawn } from 'node:child_process';
import os from 'node:os';
import { SetupError } from '../src/errors.js';
import { markStopped, preparePaths, readRecord, writeRecord, type DevServerOptions } from './dev-server-state.js';
import {
  choosePorts,
  DEFAULT_START_TIMEOUT_MS,
  findOrFetchCli,
  inProcessServer,
  newRecord,
  recoverExisting,
  serverArgs,
  spawned,
  startInProcess,
  stopInProcessServer,
} from './dev-server-start.js';
import { waitUntilServing } from './health.js';
import { isRunning } from '../src/util/processes.js';
import { withStartLock } from './start-lock.js';

/**
 * `todone server`: runs the dev server in this terminal (its output on stderr) until it exits or
 * this process gets SIGINT/SIGTERM/SIGHUP, which are passed on. Records itself in server.json, so
 * `todone run` elsewhere uses it. Resolves with the server's exit code.
 */
export async function runDevServerForeground(
  opts: DevServerOptions & { print?: (line: string) => void },
): Promise<number> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const paths = await preparePaths(opts.dataDir);
  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  // Fetched before the lock: a first fetch takes longer than another process should wait for it.
  const cli = opts.cliPath ? { path: opts.cliPath } : await findOrFetchCli(opts);
  const started = await withStartLock(paths.lockFile, async () => {
    const existing = inProcessServer(paths) ?? (await recoverExisting(paths, startTimeoutMs));
    if (existing) {
      throw new SetupError(
        `A Temporal dev server for ${opts.dataDir} is already running at ${existing.address} ` +
          `(pid ${existing.pid}, Web UI ${existing.uiUrl}). Todone commands use it as it is; ` +
          `stop it first to run it in this terminal.`,
      );
    }
    const cliPath = cli.path;
    const previous = await readRecord(paths);
    if (!cliPath) return { inProcess: await startInProcess(paths, opts, previous, cli.fetchError) };
    const ports = await choosePorts(opts, previous);
    const args = serverArgs(paths.dbFile, ports, opts.namespaces);
    // Its own process group: a terminal Ctrl-C then reaches only us, and we pass it on exactly once.
    // Its output goes to our stderr: stdout holds only this command's own lines.
    const child = spawn(cliPath, args, { detached: true, stdio: ['inherit', 2, 2], env: opts.env ?? process.env });
    await spawned(child, cliPath);
    const exited = new Promise<number>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 1))),
    );
    const stopForwarding = forwardSignals((signal) => child.kill(signal));
    const record = newRecord(child.pid!, cliPath, paths, ports, { foreground: true });
    await writeRecord(paths, record);
    const ready = await waitUntilServing(record.address, {
      timeoutMs: startTimeoutMs,
      gaveUp: () => child.exitCode !== null || child.signalCode !== null,
    });
    if (ready) await writeRecord(paths, { ...record, readyAt: new Date().toISOString() });
    return { child: { record, ready, exited, stopForwarding } };
  });

  if (started.inProcess) {
    const info = started.inProcess;
    printReady(print, info.address, info.uiUrl, info.dbFile);
    print('(Temporal SDK-downloaded server: it stops when this command stops.)');
    await new Promise<void>((resolve) => {
      const stop = forwardSignals(() => {
        stop();
        resolve();
      });
    });
    await stopInProcessServer(paths);
    return 0;
  }

  const { record, ready, exited, stopForwarding } = started.child;
  if (ready) printReady(print, record.address, record.uiUrl, record.dbFile);
  else if (isRunning(record.pid))
    print(`The Temporal dev server did not answer at ${record.address} within ${startTimeoutMs / 1000} s.`);
  const code = await exited;
  stopForwarding();
  await markStopped(paths, record.pid);
  return code;
}

function printReady(print: (line: string) => void, address: string, uiUrl: string, dbFile: string): void {
  print(`Temporal dev server: ${address}`);
  print(`Web UI:              ${uiUrl}`);
  print(`Database:            ${dbFile}`);
  print('Press Ctrl-C to stop.');
}

function forwardSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const signals: NodeJS.Signals[] =
    process.platform === 'win32' ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
