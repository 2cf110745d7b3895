/**
 * The host's view of a task's processes, by a token in their command line: it sees into a
 * sandbox's own pid namespace, where a pid a task writes down means nothing to the host.
 */
import fs from 'node:fs/promises';
import { randomInt } from 'node:crypto';

/** A `sleep` of about five minutes whose command line no other process has: a task's stand-in for work. */
export function markedSleep(): { command: string; token: string } {
  const token = `300.${randomInt(100_000, 999_999)}`;
  return { command: `sleep ${token}`, token };
}

/** Live processes (zombies excluded) whose command line holds `token`. */
export async function processesWith(token: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const [cmdline, stat] = await Promise.all([
      fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
      fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''),
    ]);
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (cmdline.split('\0').join(' ').includes(token) && state !== 'Z' && state !== undefined && stat)
      found.push(Number(entry));
  }
  return found;
}

/** The process spawners of the worker process `workerPid`: their environment names it (spawner-client.ts). */
export async function spawnersOf(workerPid: number): Promise<number[]> {
  const mark = `TODONE_SPAWNER_OF=${workerPid}`;
  const found: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environment = await fs.readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environment.split('\0').includes(mark)) found.push(Number(entry));
  }
  return found;
}
