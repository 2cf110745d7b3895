/**
 * The board workflow's public contract: its type name, default task queue, input and result, and
 * the queries, signals and updates it answers. Clients (the CLI, `BoardClient`, other services)
 * import this module and nothing else of the workflow; it stands alone: `@temporalio/workflow`'s
 * definition helpers (safe to import from client code) and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IntegrationInfo } from '../activities/git/types.js';
import type { BoardSpec } from '../src/core/board.js';
import type { BoardStatus, StatusRequest, TaskStatus } from '../src/core/run-state.js';

export type { BoardSpec } from '../src/core/board.js';
export type { BoardResult, BoardStatus, StatusPage, StatusRequest, TaskStatus } from '../src/core/run-state.js';

/** The task queue boards and their tasks run on unless told otherwise. */
export const DEFAULT_TASK_QUEUE = 'todone';
/** The workflow type, as registered by Todone's workers. */
export const BOARD_WORKFLOW_TYPE = 'boardWorkflow';

/** A board's workflow id: one running board per id, so a second start joins the first. */
export function boardWorkflowId(boardId: string): string {
  return `todone-board-${boardId}`;
}

export interface BoardWorkflowInput {
  board: BoardSpec;
  /** Present when this run continues an earlier one (continue-as-new). */
  carried?: CarriedState;
  /** History events after which the run drains and continues as new (tests lower it). */
  continueAfterEvents?: number;
}

/** What a run hands to the next when it continues as new. Nothing is running at that point. */
export interface CarriedState {
  startedAt: number;
  tasks: TaskStatus[];
  git?: WorktreeCarry;
  /** The status change counter reached, so watchers' `changedSince` stays meaningful. */
  seq?: number;
}

/** Git mode: the integration branch and the idle pool slots. */
export interface WorktreeCarry {
  integration: IntegrationInfo;
  freeSlots: number[];
}

/**
 * The board's live state: counts and tasks with their state, attempts, times and outcome. With no
 * argument a board of up to 500 tasks answers with all of them and a bigger one with the tasks
 * that matter; a request pages through them, filters by state or id, or asks what changed since
 * the `seq` of an earlier answer.
 */
export const statusQuery = defineQuery<BoardStatus, [request?: StatusRequest]>('status');
/** Cancel the whole board: running tasks are killed, nothing new starts. */
export const cancelBoardSignal = defineSignal<[reason?: string]>('cancelBoard');
/** Cancel one task (its process is killed); its dependents are skipped. */
export const cancelTaskSignal = defineSignal<[taskId: string, reason?: string]>('cancelTask');

export interface CancelTaskRequest {
  taskId: string;
  reason?: string;
}

export interface CancelTaskAnswer {
  accepted: boolean;
  /** The task's state after the request: `cancelling`, `cancelled`, or the final state it had already reached. */
  state: string;
}

/** Like cancelTaskSignal, but answers whether the task existed and was still cancellable. */
export const cancelTaskUpdate = defineUpdate<CancelTaskAnswer, [request: CancelTaskRequest]>('cancelTaskChecked');
