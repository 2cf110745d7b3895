/**
 * `todone replay <board>`: replays the board's recorded history against this Todone's workflow
 * code and says whether it still replays. A board in flight survives an upgrade only if it does;
 * when it does not, the first divergence names the event and the command that differ.
 * Exit 0 when every run replays, 1 when one diverges.
 */
import { fetchRunHistories, type HistoryScope } from '../../client/board-history.js';
import { todoneVersion } from '../../version.js';
import { installRuntime } from '../../../worker/runtime.js';
import { replayRuns, type ReplayOutcome } from '../../../worker/replay.js';
import { resolveBoardId } from '../board-ref.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';

export interface ReplayCommandOptions {
  board: string;
  /** Only the latest run, instead of every run of the board's chain (continue-as-new). */
  latest?: boolean;
  json?: boolean;
}

export async function replayCommand(options: ReplayCommandOptions, io: CommandIO): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  // Before anything native starts: the replay worker's log lines go to the log file, not stdout.
  installRuntime({ write: (line) => io.diagnostics.write(line) });
  const session = await openSession(io);
  try {
    const workflowId = session.boards.handle(boardId).workflowId;
    await session.boards.describe(boardId);
    const scope: HistoryScope = options.latest ? 'latest' : 'chain';
    const runs = await fetchRunHistories(session.client, workflowId, scope);
    const outcomes = await replayRuns(runs, { dataConverter: session.target.dataConverter });
    const first = outcomes.findIndex((o) => o.divergence);
    const replays = first === -1;
    if (options.json) {
      io.stdout(
        `${JSON.stringify({ boardId, workflowId, todoneVersion: todoneVersion(), scope, replays, runs: outcomes.map(view) }, null, 2)}\n`,
      );
    } else {
      io.stdout(`${describe(boardId, scope, outcomes)}\n`);
    }
    return replays ? 0 : 1;
  } finally {
    await session.close();
  }
}

function view(outcome: ReplayOutcome) {
  return {
    runId: outcome.runId,
    events: outcome.events,
    replays: !outcome.divergence,
    ...(outcome.divergence ? { divergence: outcome.divergence } : {}),
  };
}

function describe(boardId: string, scope: HistoryScope, outcomes: ReplayOutcome[]): string {
  const events = outcomes.reduce((sum, o) => sum + o.events, 0);
  const what =
    scope === 'latest'
      ? `the latest run of board "${boardId}" (${events} events)`
      : `board "${boardId}": ${outcomes.length === 1 ? 'its one run' : `all ${outcomes.length} runs of its chain`} (${events} events)`;
  const against = `against the workflow code of Todone ${todoneVersion()}`;
  const first = outcomes.findIndex((o) => o.divergence);
  if (first === -1) return `Replayed ${what} ${against}: replays cleanly.`;
  const bad = outcomes[first]!;
  const where = outcomes.length === 1 ? `run ${bad.runId}` : `run ${first + 1} of ${outcomes.length} (${bad.runId})`;
  const others = outcomes.filter((o) => o.divergence).length - 1;
  return [
    `Replayed ${what} ${against}: it does NOT replay.`,
    `First divergence, in ${where}: ${bad.divergence!.kind === 'nondeterminism' ? 'the code decides differently than the history records' : 'replay failed'}:`,
    `  ${bad.divergence!.reason}`,
    ...(others > 0
      ? [`${others} more run${others === 1 ? '' : 's'} diverge${others === 1 ? 's' : ''} too (--json lists them).`]
      : []),
    'A board in flight with this history would fail on this version\'s workers: guard the change with patched() (docs/ARCHITECTURE.md, "Changing workflow code").',
  ].join('\n');
}
