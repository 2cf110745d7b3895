/**
 * Domain errors: small classes with a code and the exit code the CLI's one error boundary uses.
 * Bad input exits 2; a board that ran and failed exits 1 (that is a result, not an error).
 */
import { formatCount, LIMITS } from './core/limits.js';

export interface Issue {
  /** Where the problem is, e.g. `tasks[3].dependsOn[0]` or `board.yaml:12:4`. */
  path: string;
  message: string;
}

export class TodoneError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The input was wrong: every problem found, each with its path. At most LIMITS.reportedIssues are
 * kept and listed, the rest counted (`more`): 100,000 unknown dependencies make a short message.
 */
export class InvalidInputError extends TodoneError {
  readonly issues: Issue[];
  /** Problems found past the ones listed. */
  readonly more: number;

  constructor(
    readonly source: string,
    issues: Issue[],
    /** Problems already counted but not listed (an error re-worded from another). */
    counted = 0,
  ) {
    const listed = issues.slice(0, LIMITS.reportedIssues);
    const more = issues.length - listed.length + counted;
    const total = issues.length + counted;
    super(
      `${source} is invalid (${formatCount(total)} problem${total === 1 ? '' : 's'}):\n` +
        listed.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n') +
        (more > 0 ? `\n  … and ${formatCount(more)} more (fix these first)` : ''),
      'INVALID_INPUT',
      2,
    );
    this.issues = listed;
    this.more = more;
  }
}

/** Something the user must set up first (no Temporal CLI, server unreachable, ...). */
export class SetupError extends TodoneError {
  constructor(message: string) {
    super(message, 'SETUP', 2);
  }
}

/** The Temporal server did not answer: a setup problem, or a server not up yet (a worker may wait for it). */
export class ServerUnreachableError extends SetupError {
  constructor(
    message: string,
    /** The `host:port` that did not answer. */
    readonly address: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends TodoneError {
  constructor(message: string) {
    super(message, 'NOT_FOUND', 2);
  }
}

/** The Temporal server went away and did not come back in time; the board itself is safe there. */
export class ServerLostError extends TodoneError {
  constructor(message: string) {
    super(message, 'SERVER_LOST', 1);
  }
}

/** The board is not running (it finished, or no worker answers), so it cannot be changed now. */
export class NotRunningError extends TodoneError {
  constructor(message: string) {
    super(message, 'NOT_RUNNING', 1);
  }
}

/** The running board refused a change and said why; nothing changed. */
export class SteeringRefused extends TodoneError {
  constructor(message: string) {
    super(message, 'REFUSED', 2);
  }
}
