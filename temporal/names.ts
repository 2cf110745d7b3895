/**
 * Names shared by the workflow, the worker and the client. Import-safe for workflow code:
 * only @temporalio/workflow and types.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BoardStatus } from '../src/core/run-state.js';

export const DEFAULT_TASK_QUEUE = 'todone';
export const BOARD_WORKFLOW_TYPE = 'boardWorkflow';

export const statusQuery = defineQuery<BoardStatus>('status');
/** Cancel the whole board: running tasks are killed, nothing new starts. */
export const cancelBoardSignal = defineSignal<[reason?: string]>('cancelBoard');
/** Cancel one task (its process is killed); its dependents are skipped. */
export const cancelTaskSignal = defineSignal<[taskId: string, reason?: string]>('cancelTask');
/** Like cancelTaskSignal, but answers whether the task existed and was still cancellable. */
export const cancelTaskUpdate = defineUpdate<{ accepted: boolean; state: string }, [request: { taskId: string; reason?: string }]>(
  'cancelTaskChecked',
);
