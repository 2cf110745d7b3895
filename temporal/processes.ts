import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isRunning } from '../src/util/processes.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether `pid` is a `temporal server start-dev` on `dbFile`. Pids are reused, so a live pid from an
 * old server.json may be anything; killing or trusting it on the pid alone would be wrong.
 */
export function isDevServerProcess(pid: number, dbFile: string): boolean {
  if (!isRunning(pid)) return false;
  const commandLine = readCommandLine(pid);
  // Without a way to read the command line, a live pid plus a server answering is the best evidence.
  if (commandLine === undefined) return true;
  return commandLine.includes('start-dev') && commandLine.includes(dbFile);
}

function readCommandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    // Not Linux: ask ps (macOS, BSD).
  }
  if (process.platform === 'win32') return undefined;
  const ps = spawnSync('ps', ['-p', String(pid), '-o', 'command='], { encoding: 'utf8' });
  if (ps.error || ps.status !== 0) return undefined;
  return ps.stdout.trim();
}

export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** SIGTERM (the dev server flushes and exits), then SIGKILL if it does not go within `graceMs`. */
export async function terminate(pid: number, graceMs = 10_000): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
