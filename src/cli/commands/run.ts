/**
 * `todone run <board>`: validate, start (or join) the board's workflow, host a worker in this
 * process unless told not to, show live progress, print the result.
 * Exit 0 when every task succeeded, 1 when any did not, 2 for invalid input (thrown).
 */
import path from 'node:path';
import { loadBoardFile } from '../../board/load.js';
import type { BoardSpec, SchedulingPolicy } from '../../core/board.js';
import { startWorkerHost, WORKER_STOP_MS, type WorkerHost } from '../../../worker/host.js';
import { todoneHome } from '../../data-dir.js';
import { InvalidInputError } from '../../errors.js';
import { todoneVersion } from '../../version.js';
import type { StartedBoard } from '../../client/board-client.js';
import { formatResult } from '../format/task-table.js';
import { DEFAULT_LINE_LIMIT } from '../progress/reporter.js';
import { workerCapabilities } from '../capabilities-option.js';
import { landResult } from './land.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { explainStartRefusal } from '../start-failure.js';
import { followBoard } from '../watch/follow-board.js';
import { terminalText } from '../format/terminal-text.js';

export interface RunCommandOptions {
  file: string;
  json?: boolean;
  maxParallel?: number;
  policy?: SchedulingPolicy;
  taskQueue?: string;
  /** Host a worker in this process (default). Off when separate `todone worker`s serve the queue. */
  worker?: boolean;
  /** What the in-process worker offers tasks that require capabilities (default: $TODONE_CAPABILITIES). */
  capability?: string[];
  /** How often the live view asks the workflow for its status. */
  pollMs?: number;
  /** Git boards: land the integration branch when every task succeeded. */
  land?: boolean;
  /** Start over instead of resuming the board's last run (or bringing a completed one up to date). */
  fresh?: boolean;
  /** `false` (--no-cache): every task runs, none is read from or stored in the result cache. */
  cache?: boolean;
}

export async function runCommand(options: RunCommandOptions, io: CommandIO): Promise<number> {
  const loaded = await loadBoardFile(path.resolve(io.cwd, options.file), {
    maxParallel: options.maxParallel,
    policy: options.policy,
    home: todoneHome(io.env),
  });
  // Whether a task is cached is no part of its definition: a resumed board keeps the same tasks either way.
  const board = options.cache === false ? withoutCache(loaded) : loaded;
  if (options.worker === false && options.capability?.length) {
    throw new InvalidInputError('--capability', [
      {
        path: '',
        message: "offers capabilities through this run's own worker: drop --no-worker, or give it to `todone worker`",
      },
    ]);
  }
  const capabilities = options.worker === false ? [] : workerCapabilities(options.capability, io.env);
  const session = await openSession(io, { taskQueue: options.taskQueue });
  let host: WorkerHost | undefined;
  const stopWorker = async () => {
    const stopping = host;
    host = undefined;
    if (stopping && !(await stopping.shutdown()))
      io.stderr(
        `The in-process worker did not stop within ${WORKER_STOP_MS / 1000} s; leaving it (its tasks are retried by the next worker).\n`,
      );
  };
  const onInterrupt = () => {
    io.stderr(
      `\nStopped watching. Board "${board.id}" stays in Temporal: run \`todone run ${options.file}\` again to resume it, ` +
        `or \`todone cancel ${board.id}\` to stop it.\n`,
    );
    void stopWorker().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);

  try {
    const started = await session.boards
      .startOrAttach(board, { fresh: options.fresh === true })
      .catch((error: unknown) => {
        const { address, namespace } = session.target;
        throw explainStartRefusal(error, { boardId: board.id, file: options.file, address, namespace }) ?? error;
      });
    const log = options.json ? io.stderr : io.stdout;
    log(`${startLine(board.id, board.tasks.length, board.maxParallel, started)}\n`);
    if (started.startedByVersion) {
      io.stderr(
        `Note: this run was started by Todone ${terminalText(started.startedByVersion)}; this is Todone ${todoneVersion()}. It goes on under this version's workers.\n`,
      );
    }
    if (started.boardChanged) {
      io.stderr(
        `Note: ${options.file} changed since this run started; the run goes on with the version it started with. ` +
          `Cancel it (\`todone cancel ${board.id}\`) and run again to use the new one.\n`,
      );
    }
    const link = session.uiLink(started.handle.workflowId);
    if (link) log(`Watch it in the Temporal Web UI: ${link}\n`);

    if (options.worker !== false) {
      host = await startWorkerHost({
        target: session.target,
        client: session.client,
        taskQueue: started.taskQueue,
        home: session.home,
        capabilities,
        failOverBoards: [started.handle.workflowId],
        board,
        log,
        runtimeLog: (line) => io.diagnostics.write(line),
      });
      const unserved = unservedRequirements(board, capabilities);
      if (unserved)
        log(`${unserved} They wait for a \`todone worker --capability …\` on task queue "${started.taskQueue}".\n`);
    }

    const result = await followBoard(session, io, {
      boardId: board.id,
      handle: started.handle,
      progressToStderr: options.json === true,
      resumeHint: `run \`todone run ${options.file}\` to pick it up again.`,
      pollMs: options.pollMs ?? 300,
      taskQueue: started.taskQueue,
    });
    await stopWorker();
    if (options.json) io.stdout(JSON.stringify(result, null, 2) + '\n');
    else
      io.stdout(formatResult(result, { maxTableRows: io.diagnostics.verbose ? undefined : DEFAULT_LINE_LIMIT }) + '\n');
    if (options.land && result.state === 'completed')
      return landResult(result, options.json ? { ...io, stdout: io.stderr } : io);
    return result.state === 'completed' ? 0 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    // The host's sweep uses the session's client: the host stops first.
    await stopWorker();
    await session.close();
  }
}

/** Tasks the in-process worker cannot take, by what they require; undefined when it can take them all. */
function unservedRequirements(board: BoardSpec, capabilities: readonly string[]): string | undefined {
  const bySet = new Map<string, string[]>();
  for (const task of board.tasks) {
    if (!task.requires?.some((name) => !capabilities.includes(name))) continue;
    const key = task.requires.join('+');
    bySet.set(key, [...(bySet.get(key) ?? []), task.id]);
  }
  if (bySet.size === 0) return undefined;
  const offered = capabilities.length ? `offers ${capabilities.join(', ')}` : 'offers no capabilities';
  const sets = [...bySet].map(
    ([set, ids]) =>
      `${set} (${ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ')})`,
  );
  return `This run's worker ${offered}; tasks require ${sets.join('; ')}.`;
}

/** The first line says what this run is: new, joined, resumed (and what it keeps), or started over. */
function startLine(boardId: string, total: number, maxParallel: number, started: StartedBoard): string {
  const workflow = `(workflow ${started.handle.workflowId})`;
  if (started.attached) return `Board "${boardId}" is already running: attaching to it ${workflow}.`;
  if (started.resumed) {
    const { kept, rerun, state } = started.resumed;
    if (state === 'completed' && kept === total)
      return `Board "${boardId}" is up to date: nothing changed since its last run completed; all ${total} tasks kept ${workflow}. --fresh runs it again from the start.`;
    const { cached } = started.resumed;
    const why = [
      rerun > 0 ? `${rerun} that had succeeded run again: they or their dependencies changed` : '',
      cached > 0 ? `${cached} cached, looked up in the cache` : '',
    ].filter(Boolean);
    const changed = why.length ? ` (${why.join('; ')})` : '';
    const how = state === 'completed' ? 'brought up to date' : 'resumed';
    return (
      `Board "${boardId}" ${how}: its last run ${state}; ${kept} of ${total} tasks kept, ${total - kept} to run${changed}, ` +
      `maxParallel ${maxParallel} ${workflow}. --fresh starts over.`
    );
  }
  const over = started.startedOver ? ` Starting over: ${started.startedOver}.` : '';
  return `Board "${boardId}" started: ${total} tasks, maxParallel ${maxParallel} ${workflow}.${over}`;
}

function withoutCache(board: BoardSpec): BoardSpec {
  return { ...board, tasks: board.tasks.map(({ cache: _cache, ...task }) => task) };
}
