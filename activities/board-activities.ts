/**
 * The board document, as a person or a service writes it, becomes the normalised board here: the
 * loader's own code (defaults, paths resolved on the worker that runs the tasks, every check),
 * so a board started from any language gets exactly the CLI's validation. A bad board is a
 * non-retryable failure whose details list every problem with its path.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { normaliseBoard } from '../src/board/load.js';
import type { BoardSpec, SchedulingPolicy } from '../src/core/board.js';
import { InvalidInputError } from '../src/errors.js';
import { FAILURE_TYPES } from '../workflows/api.js';

export interface NormaliseBoardInput {
  /** The board as YAML would hold it, as JSON. */
  document: unknown;
  /** Folder the board's relative paths (workdir, repo, worktrees.root, agent bin) start from. */
  baseDir: string;
  /** Names the board in messages (a file name, a request id). */
  source?: string;
  maxParallel?: number;
  policy?: SchedulingPolicy;
}

export function createBoardActivities({ home }: { home: string }) {
  return {
    // An activity returns a promise (the workflow's proxy is typed so); the loader is synchronous.
    normaliseBoard: (input: NormaliseBoardInput): Promise<BoardSpec> =>
      Promise.resolve().then(() => normalise(input, home)),
  };
}

function normalise(input: NormaliseBoardInput, home: string): BoardSpec {
  try {
    return normaliseBoard(input.document, {
      source: input.source ?? 'the board',
      baseDir: input.baseDir,
      checkWorkdir: true,
      home,
      ...(input.maxParallel !== undefined ? { maxParallel: input.maxParallel } : {}),
      ...(input.policy !== undefined ? { policy: input.policy } : {}),
    });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidBoard,
      message: error.message,
      nonRetryable: true,
      details: [{ source: error.source, issues: error.issues, ...(error.more ? { more: error.more } : {}) }],
    });
  }
}
