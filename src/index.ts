/**
 * Todone as a library: `import { BoardClient, loadBoard, planBoard } from 'todone'`. Start or join
 * boards, wait for their results, follow their status, cancel and steer them, from any Node
 * service; the CLI is one user of this. The wire contract behind it (for other languages) is
 * docs/CONTRACT.md.
 */
import { loadBoardFile, type LoadOptions } from './board/load.js';
import type { BoardSpec } from './core/board.js';
import { planBoard as planTasks, type BoardPlan } from './core/plan.js';

// Starting, following and steering boards.
export {
  BoardClient,
  boardHash,
  boardSearchAttributes,
  requester,
  type BoardHandle,
  type BoardSnapshot,
  type DocumentStartOptions,
  type StartOptions,
  type StartedBoard,
  type SteerOptions,
} from './client/board-client.js';

// Reaching Temporal the way the CLI does: a cluster from TEMPORAL_* / a profile, or the embedded dev server.
export {
  connectClient,
  connectWorkerConnection,
  resolveConnection,
  type ConnectionTarget,
  type ResolveConnectionOptions,
} from '../temporal/connection.js';
export { todoneHome } from './data-dir.js';

// A worker that runs boards (workflows and task activities) on a task queue.
export { createTodoneWorker, TodoneWorker, type TodoneWorkerOptions } from '../worker/create-worker.js';
// The same, hosted as `todone run` and `todone worker` host it: start-up chores done, one shutdown().
export { startWorkerHost, type WorkerHost, type WorkerHostOptions } from '../worker/host.js';

// The wire contract: workflow type, queue, id rule, input, queries, signals, updates, search attributes.
export * from '../workflows/api.js';

// Boards and their results.
export type { AgentSpec, BoardSpec, GitSpec, RetrySpec, TaskSpec, TaskType, ValidateSpec } from './core/board.js';
export type { BoardCounts, BoardMetrics, BoardState, TaskState } from './core/run-state.js';
export type { BoardPlan } from './core/plan.js';
export { boardJsonSchema } from './board/json-schema.js';
export { normaliseBoard, type LoadOptions, type NormaliseOptions } from './board/load.js';
export { loadAddedTasks, type AddedTasks } from './board/load-added.js';

// Errors the API throws: bad input (every problem with its path), setup, missing or stopped boards.
export {
  InvalidInputError,
  NotFoundError,
  NotRunningError,
  SetupError,
  SteeringRefused,
  TodoneError,
  type Issue,
} from './errors.js';

/**
 * Reads and checks a board file (`.yaml`, `.yml`, `.json`, or a folder holding `board.yaml`) with
 * every default applied; a bad board throws an InvalidInputError listing every problem.
 */
export function loadBoard(file: string, options: LoadOptions = {}): Promise<BoardSpec> {
  return loadBoardFile(file, options);
}

/**
 * What running the board would look like (`todone plan`): waves, critical path, simulated
 * makespans eager and by waves, and whether parallel runs are worth it. `slots` defaults to the
 * board's maxParallel.
 */
export function planBoard(
  board: Pick<BoardSpec, 'tasks' | 'maxParallel'>,
  slots: number = board.maxParallel,
): BoardPlan {
  return planTasks(board.tasks, slots);
}
