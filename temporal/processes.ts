import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isRunning } from '../src/util/processes.js';

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
