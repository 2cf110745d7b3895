/**
 * Crash injection for tests: `TODONE_CRASH_AT=<name>` kills the process with SIGKILL at that point,
 * the way a power cut or an OOM kill would, so tests can check that the retried step repairs what
 * was left. `TODONE_STOP_AT=<name>` stops it there instead, the first time (SIGSTOP, until SIGCONT),
 * the way a long pause or a partition would: the worker is taken for lost, then wakes up and goes on.
 * Without the variables this is two string comparisons.
 */
export type CrashPointName =
  | 'worktree:after-add'
  | 'worktree:after-reset'
  | 'commit:after-add'
  | 'commit:after-commit'
  | 'commit:before-push'
  | 'commit:after-push'
  | 'integrate:start'
  | 'integrate:during-merge'
  | 'integrate:after-merge'
  | 'integrate:before-push'
  | 'integrate:after-push'
  | 'land:before-update'
  /** In the task activity, once everything is ready and just before its agent would start. */
  | 'task:before-agent';

export const CRASH_POINTS: readonly CrashPointName[] = [
  'worktree:after-add',
  'worktree:after-reset',
  'commit:after-add',
  'commit:after-commit',
  'integrate:during-merge',
  'integrate:after-merge',
  'land:before-update',
];

/** Points only a board with a remote reaches: around the pushes. */
export const REMOTE_CRASH_POINTS: readonly CrashPointName[] = [
  'commit:after-push',
  'integrate:before-push',
  'integrate:after-push',
];

/** A stop point stops its process once: after SIGCONT the worker goes on as the woken-up worker it plays. */
let stoppedOnce = false;

export function crashPoint(name: CrashPointName): void {
  if (process.env.TODONE_STOP_AT === name && !stoppedOnce) {
    stoppedOnce = true;
    process.kill(process.pid, 'SIGSTOP');
  }
  if (process.env.TODONE_CRASH_AT !== name) return;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to ourselves is delivered before kill() returns; this line only documents that.
  throw new Error(`crash point ${name} did not kill the process`);
}
