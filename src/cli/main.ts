/**
 * The `todone` command line: parses arguments and dispatches to commands/<name>. The one error
 * boundary lives here: bad input exits 2, a board that ran and failed exits 1.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { todoneHome } from '../data-dir.js';
import { TodoneError } from '../errors.js';
import { explainFailure, fullStack } from './failure.js';
import { terminalText } from './format/terminal-text.js';
import type { DraftCommandOptions } from './commands/draft.js';
import type { ReportFormat } from './commands/report.js';
import { processIO, type CommandIO } from './io.js';
import { DEFAULT_CODEC_PORT, DEFAULT_UI_PORT, DEFAULT_WORKER_WAIT_MS } from './command-defaults.js';
import { DRAFT_AGENTS } from '../draft/draft-agents.js';
import path from 'node:path';
import { todoneVersion } from '../version.js';
import { parseDuration } from '../core/duration.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError(`expected a duration like 90s, 2m or 0, got "${value}"`);
  return ms;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}

/** Repeatable: each use adds one (or a comma-separated few). */
const capabilityOption = () =>
  [
    '--capability <name>',
    'offer a capability to tasks that require it (repeatable; default: $TODONE_CAPABILITIES, comma-separated)',
    (value: string, previous: string[] = []) => [...previous, value],
  ] as const;

const policyOption = () =>
  new Option(
    '--policy <policy>',
    'scheduling policy: eager, or waves (level-by-level barriers, for comparison)',
  ).choices(['eager', 'waves']);

export function buildProgram(io: CommandIO, setExitCode: (code: number) => void): Command {
  const program = new Command('todone')
    .description('Run a board of tasks with coding agents, in parallel, as a durable Temporal workflow.')
    .version(todoneVersion(), '-V, --version')
    .showHelpAfterError()
    .option(
      '--verbose',
      `also print the Temporal SDK's and server's log lines on stderr (they always go to the log file)`,
    )
    .option('--debug', 'print the stack of an unexpected error on stderr (otherwise it goes to the log file)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .hook('preAction', () => {
      const global = program.opts<{ verbose?: boolean; debug?: boolean }>();
      io.diagnostics.verbose = Boolean(global.verbose);
      io.diagnostics.debug = Boolean(global.debug);
    });

  program
    .command('run')
    .description('run a board (or attach to its run in progress) and watch it until it finishes')
    .argument('<board>', 'board file (.yaml, .yml, .json) or a folder with board.yaml')
    .option('--json', 'print the final result as JSON on stdout (progress goes to stderr)')
    .option('--max-parallel <n>', "override the board's maxParallel", positiveInt)
    .addOption(policyOption())
    .option('--task-queue <name>', 'Temporal task queue (default: $TODONE_TASK_QUEUE or "todone")')
    .option('--no-worker', 'do not host a worker in this process (use `todone worker`s instead)')
    .option(...capabilityOption())
    .option('--land', 'git boards: fast-forward the base branch to the integration head if every task succeeded')
    .option(
      '--fresh',
      'start over: keep nothing the last run finished (git boards: the integration branch goes back to base)',
    )
    .option('--no-cache', 'run every task, cached or not: read nothing from the result cache and store nothing in it')
    .action(
      async (
        board: string,
        opts: {
          json?: boolean;
          maxParallel?: number;
          policy?: 'eager' | 'waves';
          taskQueue?: string;
          worker: boolean;
          capability?: string[];
          land?: boolean;
          fresh?: boolean;
          cache: boolean;
        },
      ) => {
        setExitCode(await (await import('./commands/run.js')).runCommand({ file: board, ...opts }, io));
      },
    );

  program
    .command('watch')
    .description('follow any running board live, wherever it was started (Ctrl-C stops watching; the board goes on)')
    .argument('<board>', 'board file or board id')
    .option('--json', 'print the final result as JSON on stdout (progress goes to stderr)')
    .option(
      '--summary-every <seconds>',
      'when output is not a terminal: a progress summary line this often (default 10)',
      positiveInt,
    )
    .action(async (board: string, opts: { json?: boolean; summaryEvery?: number }) => {
      setExitCode(await (await import('./commands/watch.js')).watchCommand({ board, ...opts }, io));
    });

  program
    .command('ui')
    .description('serve the live web board on this machine (http://127.0.0.1:PORT), with the token its actions need')
    .option(
      '--port <port>',
      `port (default ${DEFAULT_UI_PORT}; 0 picks a free one)`,
      (v: string) => (v === '0' ? 0 : positiveInt(v)),
      DEFAULT_UI_PORT,
    )
    .option('--host <address>', 'address to bind (default 127.0.0.1: only this machine)')
    .option('--open <board>', 'print the link to this board rather than to the list')
    .action(async (opts: { port: number; host?: string; open?: string }) => {
      setExitCode(await (await import('./commands/ui.js')).uiCommand(opts, io));
    });

  program
    .command('plan')
    .description('show waves, critical path and simulated makespans without running anything')
    .argument('<board>', 'board file')
    .option('--json', 'print the plan as JSON')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'mermaid', 'dot']).default('text'))
    .option('--max-parallel <n>', "plan for this many slots instead of the board's maxParallel", positiveInt)
    .action(
      async (file: string, opts: { json?: boolean; format: 'text' | 'mermaid' | 'dot'; maxParallel?: number }) => {
        const { loadBoardFile } = await import('../board/load.js');
        const board = await loadBoardFile(path.resolve(io.cwd, file), {
          maxParallel: opts.maxParallel,
          home: todoneHome(io.env),
        });
        setExitCode(
          (await import('./commands/plan.js')).planCommand({
            board,
            json: opts.json,
            format: opts.format,
            write: io.stdout,
          }),
        );
      },
    );

  program
    .command('draft')
    .description(
      'a coding agent writes a board for a goal; Todone checks it (problems go back to the agent) and shows its plan. Runs nothing unless --run',
    )
    .argument('<goal>', 'what the board is for')
    .option('--repo <folder>', 'the repository the board is for (default: this folder)')
    .addOption(new Option('--agent <kind>', 'the coding agent that writes it (default claude)').choices(DRAFT_AGENTS))
    .option(
      '--command <template>',
      'or your own agent: an argv template with {prompt} and {promptFile} (a JSON array, or words separated by spaces)',
    )
    .option('--model <name>', "the agent CLI's model")
    .option('-o, --output <file>', 'where to save the board (default board.yaml)')
    .option('--rounds <n>', `attempts after the first, each given the loader's problems (default 3)`, nonNegativeInt)
    .addOption(
      new Option(
        '--sandbox <mode>',
        'worktree: the agent may write only the draft (default); none: your full rights',
      ).choices(['worktree', 'none']),
    )
    .option('--timeout <duration>', 'how long one attempt may take (default 15m)')
    .option('--force', 'replace the output file if it exists')
    .option('--run', 'run the board once it is written (as todone run)')
    .action(async (goal: string, opts: Omit<DraftCommandOptions, 'goal'>) => {
      setExitCode(await (await import('./commands/draft.js')).draftCommand({ goal, ...opts }, io));
    });

  program
    .command('schema')
    .description(
      "print the board file's JSON Schema (for editors' $schema, and services that check boards before sending them)",
    )
    .action(async () => {
      setExitCode((await import('./commands/schema.js')).schemaCommand(io.stdout));
    });

  program
    .command('status')
    .description("show a board's live state (or its result once finished)")
    .argument('<board>', 'board file or board id')
    .option('--json', 'print as JSON')
    .option(
      '--tasks <which>',
      'which tasks: "all", or states such as failed,running (big boards show the ones that matter by default)',
    )
    .action(async (board: string, opts: { json?: boolean; tasks?: string }) => {
      setExitCode(await (await import('./commands/status.js')).statusCommand({ board, ...opts }, io));
    });

  program
    .command('cancel')
    .description('cancel a whole board, or one task (its process is killed, its dependents skipped)')
    .argument('<board>', 'board file or board id')
    .argument('[task]', 'task id')
    .option('--reason <text>', 'recorded as the reason')
    .action(async (board: string, task: string | undefined, opts: { reason?: string }) => {
      setExitCode(await (await import('./commands/cancel.js')).cancelCommand({ board, task, reason: opts.reason }, io));
    });

  program
    .command('retry')
    .description(
      'run failed, conflicted or cancelled tasks of a running board again (fresh attempts); revives what they skipped',
    )
    .argument('<board>', 'board file or board id')
    .argument('<tasks...>', 'task ids')
    .action(async (board: string, tasks: string[]) => {
      setExitCode(await (await import('./commands/steer.js')).retryCommand({ board, tasks }, io));
    });

  program
    .command('add')
    .description('add tasks to a running board; they may depend on its tasks and take its defaults')
    .argument('<board>', 'the board file')
    .argument('<file>', 'a file with the tasks to add (a list, or a mapping with tasks:)')
    .action(async (board: string, file: string) => {
      setExitCode(await (await import('./commands/steer.js')).addCommand({ board, file }, io));
    });

  program
    .command('pause')
    .description('stop starting new tasks on a running board (running ones finish)')
    .argument('<board>', 'board file or board id')
    .action(async (board: string) => {
      setExitCode(await (await import('./commands/steer.js')).pauseCommand({ board }, io));
    });

  program
    .command('resume')
    .description('start tasks again on a paused board')
    .argument('<board>', 'board file or board id')
    .action(async (board: string) => {
      setExitCode(await (await import('./commands/steer.js')).resumeCommand({ board }, io));
    });

  program
    .command('break')
    .description('pause a running board before a task starts (a breakpoint); `todone resume` goes on')
    .argument('<board>', 'board file or board id')
    .argument('<task>', 'task id')
    .action(async (board: string, task: string) => {
      setExitCode(await (await import('./commands/steer.js')).breakCommand({ board, task }, io));
    });

  program
    .command('approve')
    .description('approve a task waiting for approval: it starts, or its work goes in and its dependents start')
    .argument('<board>', 'board file or board id')
    .argument('<task>', 'task id')
    .option('--comment <text>', 'recorded with the approval')
    .action(async (board: string, task: string, opts: { comment?: string }) => {
      setExitCode(await (await import('./commands/decide.js')).approveCommand({ board, task, ...opts }, io));
    });

  program
    .command('reject')
    .description('send a task waiting for approval back with a comment (it runs again), or --final to fail it')
    .argument('<board>', 'board file or board id')
    .argument('<task>', 'task id')
    .option('--comment <text>', 'why: the task is told, in its prompt and TODONE_FEEDBACK (required)')
    .option('--final', 'reject for good: the task fails and its dependents are skipped')
    .action(async (board: string, task: string, opts: { comment?: string; final?: boolean }) => {
      setExitCode(await (await import('./commands/decide.js')).rejectCommand({ board, task, ...opts }, io));
    });

  program
    .command('set')
    .description("change a running board's settings")
    .argument('<board>', 'board file or board id')
    .option('--max-parallel <n>', 'how many tasks may run at once', positiveInt)
    .action(async (board: string, opts: { maxParallel?: number }) => {
      setExitCode(await (await import('./commands/steer.js')).setCommand({ board, ...opts }, io));
    });

  program
    .command('replay')
    .description(
      "replay a board's recorded history against this version's workflow code: does it still replay (determinism)?",
    )
    .argument('<board>', 'board file or board id')
    .option('--latest', 'only the latest run (default: every run of its chain, continue-as-new included)')
    .option('--json', 'print the outcome of each run as JSON')
    .action(async (board: string, opts: { latest?: boolean; json?: boolean }) => {
      setExitCode(await (await import('./commands/replay.js')).replayCommand({ board, ...opts }, io));
    });

  program
    .command('report')
    .description(
      'what happened on a board and what held it up: summary, per task, critical path, bottlenecks and a recommendation (a running board: so far)',
    )
    .argument('<board>', 'board file or board id')
    .addOption(
      new Option('--format <format>', 'md (for a pull request), html (one self-contained file) or json')
        .choices(['md', 'html', 'json'])
        .default('md'),
    )
    .option('--out <file>', 'write the report to this file instead of stdout')
    .action(async (board: string, opts: { format: ReportFormat; out?: string }) => {
      setExitCode(await (await import('./commands/report.js')).reportCommand({ board, ...opts }, io));
    });

  program
    .command('trace')
    .description(
      "the board's events in order (tasks started, finished, failed, retried; updates, signals, continue-as-new), from its Temporal history",
    )
    .argument('<board>', 'board file or board id')
    .option('--json', 'print the events as JSON')
    .action(async (board: string, opts: { json?: boolean }) => {
      setExitCode(await (await import('./commands/trace.js')).traceCommand({ board, ...opts }, io));
    });

  program
    .command('land')
    .description("fast-forward a finished git board's base branch to its integration branch")
    .argument('<board>', 'board file or board id')
    .action(async (board: string) => {
      setExitCode(await (await import('./commands/land.js')).landCommand({ board }, io));
    });

  const cache = program
    .command('cache')
    .description('the result cache of cached tasks (`cache: true`): list, prune or clear it');
  cache
    .command('ls')
    .description('every entry: its task and board, size, when stored and last used, what a hit saves')
    .option('--json', 'print the entries as JSON')
    .action(async (opts: { json?: boolean }) => {
      setExitCode(await (await import('./commands/cache.js')).cacheListCommand(opts, io));
    });
  cache
    .command('prune')
    .description(
      'remove damaged records, then the least recently used entries until the cache fits its size limit (TODONE_CACHE_MAX_SIZE, default 2GB)',
    )
    .option('--max-size <size>', 'prune to this size instead (bytes, or a number with KB, MB or GB)')
    .action(async (opts: { maxSize?: string }) => {
      setExitCode(await (await import('./commands/cache.js')).cachePruneCommand(opts, io));
    });
  cache
    .command('clear')
    .description('remove every entry')
    .action(async () => {
      setExitCode(await (await import('./commands/cache.js')).cacheClearCommand(io));
    });

  program
    .command('clean')
    .description("remove a board's worktrees and task branches, or (--finished) what finished boards left behind")
    .argument('[board]', 'board file or board id')
    .option('--all', 'also remove the integration branch')
    .option('--finished', 'every finished board: remove leftover worktrees, keep those kept for inspection')
    .action(async (board: string | undefined, opts: { all?: boolean; finished?: boolean }) => {
      setExitCode(
        await (await import('./commands/clean.js')).cleanCommand({ board, all: opts.all, finished: opts.finished }, io),
      );
    });

  program
    .command('server')
    .description('run the local Temporal dev server (with Web UI) in the foreground')
    .option('--port <port>', 'gRPC port', positiveInt)
    .option('--ui-port <port>', 'Web UI port', positiveInt)
    .option('--stop', 'stop the background dev server that `todone run` started')
    .action(async (opts: { port?: number; uiPort?: number; stop?: boolean }) => {
      setExitCode(await (await import('./commands/server.js')).serverCommand(opts, io));
    });

  program
    .command('setup')
    .description(
      'fetch what Todone needs at run time that npm does not bring (the Temporal CLI, bubblewrap) into the per-user tools folder, and say where each is',
    )
    .option('--quiet', 'print nothing but problems')
    .action(async (opts: { quiet?: boolean }) => {
      setExitCode(await (await import('./commands/setup.js')).setupCommand(opts, io));
    });

  program
    .command('mcp')
    .description(
      "Todone's tools for coding agents (validate, plan, start, follow and steer boards) as an MCP server on stdio",
    )
    .option('--task-queue <name>', 'Temporal task queue (default: $TODONE_TASK_QUEUE or "todone")')
    .option('--no-worker', 'do not host a worker in this process (use `todone worker`s instead)')
    .option(...capabilityOption())
    .action(async (opts: { taskQueue?: string; worker: boolean; capability?: string[] }) => {
      setExitCode(await (await import('./commands/mcp.js')).mcpCommand(opts, io));
    });

  program
    .command('codec-server')
    .description('decrypt encrypted boards for the Temporal Web UI and CLI (keys from TODONE_PAYLOAD_KEY_FILE)')
    .option('--port <port>', `port (default ${DEFAULT_CODEC_PORT})`, positiveInt, DEFAULT_CODEC_PORT)
    .option('--host <address>', 'address to bind (default 127.0.0.1: only this machine)')
    .option(
      '--ui-origin <origin...>',
      'browser origins allowed to call it (default: the local Web UI, http://127.0.0.1:8233)',
    )
    .action(async (opts: { port: number; host?: string; uiOrigin?: string[] }) => {
      setExitCode(await (await import('./commands/codec-server.js')).codecServerCommand(opts, io));
    });

  program
    .command('worker')
    .description('run a standalone worker for boards on a task queue (for shared clusters)')
    .option('--task-queue <name>', 'Temporal task queue (default: $TODONE_TASK_QUEUE or "todone")')
    .option('--max-concurrent-activities <n>', 'cap on tasks this worker runs at once', positiveInt)
    .option(...capabilityOption())
    .addOption(
      new Option(
        '--wait-for-server <duration>',
        'when Temporal does not answer at start, keep trying this long before giving up (0: give up at once)',
      )
        .argParser(duration)
        .default(DEFAULT_WORKER_WAIT_MS, '2m'),
    )
    .action(
      async (opts: {
        taskQueue?: string;
        maxConcurrentActivities?: number;
        capability?: string[];
        waitForServer: number;
      }) => {
        setExitCode(await (await import('./commands/worker.js')).workerCommand(opts, io));
      },
    );

  return program;
}

export async function main(argv: string[], io: CommandIO = processIO()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  const onStray = (error: unknown) => {
    // Something failed outside the command's own chain (a background task, a callback): it still
    // goes through the one boundary instead of Node's default stack dump.
    process.exit(reportError(error, io));
  };
  process.on('uncaughtException', onStray);
  process.on('unhandledRejection', onStray);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  } finally {
    process.off('uncaughtException', onStray);
    process.off('unhandledRejection', onStray);
  }
}

function reportError(error: unknown, io: CommandIO): number {
  // commander already printed its message (unknown option, missing argument, --help).
  if (
    error instanceof Error &&
    'exitCode' in error &&
    typeof error.exitCode === 'number' &&
    'code' in error &&
    !(error instanceof TodoneError)
  ) {
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0
      ? 0
      : 2;
  }
  // A message may quote a board or a task (a refusal, a failure's reason): printed without escape sequences.
  const explained = explainFailure(error);
  const failure = { ...explained, message: terminalText(explained.message) };
  const { diagnostics } = io;
  diagnostics.write(`todone ${failure.expected ? 'failed' : 'hit an unexpected error'}: ${failure.message}`);
  if (failure.expected) {
    io.stderr(`todone: ${failure.message}\n`);
    return failure.exitCode;
  }
  const stack = error instanceof Error ? fullStack(error) : String(error);
  diagnostics.write(stack);
  if (diagnostics.debug) io.stderr(`todone: ${terminalText(stack)}\n`);
  else if (diagnostics.usable)
    io.stderr(`todone: ${failure.message}\n(details in ${diagnostics.file}; --debug prints them here)\n`);
  else io.stderr(`todone: ${failure.message}\n(run with --debug for details)\n`);
  return failure.exitCode;
}
