/**
 * Facts about other processes and how to stop them, for every layer that starts or records one: the
 * dev server (temporal/), task process groups (activities/), worker records (worker/), lock files.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** True while `pid` exists and has not yet exited (a zombie waiting to be reaped counts as exited). */
export function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = statFields(pid)?.[0];
  return state === undefined || state !== 'Z';
}

/**
 * The kernel's start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat); with
 * the pid it names one process across pid reuse. Undefined where there is no /proc or no such process.
 */
export function processStartTime(pid: number): number | undefined {
  const ticks = Number(statFields(pid)?.[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

/**
 * Whether the process recorded as `pid`, started at `startTime` when that was known, is gone: its
 * pid is not running, or now belongs to a process started at another time. Without /proc a running
 * pid is given the benefit of the doubt.
 */
export function isGone(pid: number, startTime: number | undefined): boolean {
  if (!isRunning(pid)) return true;
  const now = processStartTime(pid);
  return startTime !== undefined && now !== undefined && now !== startTime;
}

/** Polls until `pid` has exited (one that is not our child cannot be awaited otherwise); false after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

export interface TerminateOptions {
  /** How long SIGTERM has before SIGKILL (default 10 s). */
  graceMs?: number;
  /**
   * Signal the whole process group `pid` leads, and SIGKILL it even after its leader left: children
   * that trap SIGTERM (or never saw it) must not outlive the task that started them.
   */
  group?: boolean;
}

/** SIGTERM, then SIGKILL if `pid` is still there after the grace time; quietly nothing when it is gone. */
export async function terminate(pid: number, options: TerminateOptions = {}): Promise<void> {
  const target = options.group ? -pid : pid;
  if (!signal(target, 'SIGTERM')) return;
  const exited = await waitForExit(pid, options.graceMs ?? 10_000);
  if (exited && !options.group) return;
  signal(target, 'SIGKILL');
  await waitForExit(pid, 5_000);
}

/** Sends `name` to `pid` (a group when negative); false when there is nothing left to signal. */
export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** The fields of /proc/<pid>/stat after the command name, which may hold spaces and parentheses (field 3 first). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
