/**
 * The git layer's contract: what the worktree and integration activities take and return.
 * Everything here travels in Temporal payloads, so it stays small: ids, paths, SHAs, counts.
 */

// The board's git settings are part of the normalised board (the workflow carries them).
export type { BoardGitConfig, CommitAuthor, IntegrationStrategy } from '../../src/core/board.js';
import type { BoardGitConfig } from '../../src/core/board.js';
export type { ReplayCommit } from '../../src/core/resume.js';
import type { ReplayCommit } from '../../src/core/resume.js';

export interface IntegrationInfo {
  baseBranch: string;
  /** `base` when the board started: `land` refuses if it has moved since. */
  baseSha: string;
  integrationBranch: string;
  /** Current head of the integration branch (equal to baseSha on a fresh board). */
  integrationHead: string;
}

export interface InitIntegrationInput {
  git: BoardGitConfig;
  boardId: string;
  /** Start over: the integration branch goes back to base. */
  fresh?: boolean;
  /**
   * A resumed board some of whose integrated work changed: the branch is built again from base with
   * these kept tasks' commits replayed onto it, in this order.
   */
  rebuild?: ReplayCommit[];
}

/** A kept task whose commit could not be replayed onto a rebuilt integration branch: it runs again. */
export interface NotReplayed {
  taskId: string;
  reason: string;
}

export interface InitIntegrationResult extends IntegrationInfo {
  /** With `rebuild`: the kept tasks whose work is not on the branch. */
  notReplayed?: NotReplayed[];
}

export interface PrepareWorktreeInput {
  git: BoardGitConfig;
  boardId: string;
  taskId: string;
  /** Commit the task starts from: base for roots, the integration head for dependents. */
  startSha: string;
  /** Pool slot to use, decided by the workflow; undefined means a dedicated worktree. */
  poolSlot?: number;
  /**
   * The board's branch holding `startSha` when it is not on the integration branch (a task sent
   * back starts from its own earlier work): a remote board's worker fetches it from there.
   */
  startBranch?: string;
}

export interface PreparedWorktree {
  path: string;
  branch: string;
  headSha: string;
  /**
   * A remote board: the task queue of the worker holding the worktree (its later steps go there),
   * that worker's clone and its worktree root for the board.
   */
  queue?: string;
  repo?: string;
  worktreeRoot?: string;
}

export interface CommitInput {
  git: BoardGitConfig;
  boardId: string;
  taskId: string;
  description: string;
  path: string;
  branch: string;
  /** The task's start commit: a branch head different from it means the commit was already made. */
  startSha: string;
  /**
   * When the workflow leased this worktree (workflow time, ms). On a remote board the commit carries
   * it, and a run's commit never replaces one of a later lease on the task branch: a worker taken
   * for lost that wakes up cannot push over the rerun. Absent in inputs recorded before it existed.
   */
  leasedAt?: number;
}

export interface CommitResult {
  /** Head of the task branch after committing (equal to startSha when nothing changed). */
  sha: string;
  /** The commit's tree: equal trees mean equal content. */
  tree?: string;
  changed: boolean;
  /** Changed paths, capped (see filesTruncated) so payloads stay small. */
  files: string[];
  filesTruncated: boolean;
  insertions: number;
  deletions: number;
}

export interface IntegrateInput {
  git: BoardGitConfig;
  boardId: string;
  taskId: string;
  branch: string;
  /** The task's commit to integrate. */
  taskSha: string;
}

export type IntegrateResult =
  | { kind: 'merged' | 'already-integrated' | 'nothing-to-merge'; head: string }
  | { kind: 'conflicted'; head: string; files: string[] };

export interface ReleaseWorktreeInput {
  git: BoardGitConfig;
  boardId: string;
  taskId: string;
  /** The worktree's folder, when there is one (a branch alone is dropped without). */
  path?: string;
  branch: string;
  poolSlot?: number;
  /** Remove the worktree (and the task branch). False keeps it for inspection. */
  remove: boolean;
  /**
   * With `remove`: the worktree goes but the task branch stays (on the remote too), holding work
   * that waits for a person's approval, so no worker's disk holds anything the board needs.
   */
  keepBranch?: boolean;
}

export interface LandInput {
  git: BoardGitConfig;
  boardId: string;
  baseBranch: string;
  expectedBaseSha: string;
  integrationHead: string;
}

export type LandResult = { landed: true; head: string } | { landed: false; reason: string };
