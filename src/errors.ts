/**
 * Domain errors: small classes with a code and the exit code the CLI's one error boundary uses.
 * Bad input exits 2; a board that ran and failed exits 1 (that is a result, not an error).
 */

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

/** The input was wrong: every problem found, each with its path. */
export class InvalidInputError extends TodoneError {
  constructor(
    readonly source: string,
    readonly issues: Issue[],
  ) {
    super(
      `${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n'),
      'INVALID_INPUT',
      2,
    );
  }
}

/** Something the user must set up first (no Temporal CLI, server unreachable, ...). */
export class SetupError extends TodoneError {
  constructor(message: string) {
    super(message, 'SETUP', 2);
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
