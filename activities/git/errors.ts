/**
 * The git layer's errors. `GitConfigError` means the board's repository settings cannot work as
 * given (not a repository, unknown base, a branch the user has checked out): retrying will not help.
 * `GitCommandError` is a git command that failed for another reason: worth a retry.
 */
import { TodoneError } from '../../src/errors.js';

export class GitConfigError extends TodoneError {
  constructor(message: string) {
    super(message, 'GIT_CONFIG', 2);
  }
}

/**
 * The task's worktree vanished (removed from under the worker) before its work was committed: the
 * work is lost, and no retry of the step brings it back. The task starts again from a new worktree.
 */
export class WorktreeGoneError extends TodoneError {
  constructor(message: string) {
    super(message, 'WORKTREE_GONE', 1);
  }
}

export class GitCommandError extends TodoneError {
  constructor(
    readonly args: readonly string[],
    /** git's exit status (not to be confused with the CLI exit code `exitCode`). */
    readonly status: number,
    readonly stderr: string,
    readonly cwd: string,
  ) {
    super(
      `git ${describeArgs(args)} failed in ${cwd} (exit ${status})${stderr.trim() ? `: ${clip(stderr.trim(), 2_000)}` : ''}`,
      'GIT_COMMAND',
      1,
    );
  }
}

/** Enough of the command to recognise it; message bodies and long path lists are not worth repeating. */
function describeArgs(args: readonly string[]): string {
  const shown = args.slice(0, 8).map((a) => clip(a, 120));
  return shown.join(' ') + (args.length > shown.length ? ' …' : '');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
