/** `todone status <board>`: the board's live state, or its result once finished. */
import { formatDuration } from '../../core/duration.js';
import { resolveBoardId } from '../board-ref.js';
import { describeWait, type CapabilityWait } from '../../client/capability-waits.js';
import { describeStuck } from '../../client/stuck-workflow.js';
import { TASK_STATES, type StatusRequest, type TaskState } from '../../core/run-state.js';
import { InvalidInputError } from '../../errors.js';
import {
  formatAttemptHosts,
  formatChanges,
  formatCounts,
  formatTaskTable,
  formatWaitingForPeople,
} from '../format/task-table.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { terminalText } from '../format/terminal-text.js';

export async function statusCommand(
  options: { board: string; json?: boolean; tasks?: string },
  io: CommandIO,
): Promise<number> {
  const boardId = await resolveBoardId(options.board, io.cwd);
  const request = taskFilter(options.tasks);
  const session = await openSession(io);
  try {
    const snapshot = await session.boards.snapshot(boardId, 3_000, request);
    // A filter may match more tasks than one answer holds: read the rest page by page.
    for (let page = snapshot.status?.page; snapshot.status && page?.kind === 'selected' && page.more;) {
      const next = (await session.boards.snapshot(boardId, 3_000, { ...request, offset: snapshot.status.tasks.length }))
        .status;
      if (!next) break;
      snapshot.status.tasks.push(...next.tasks);
      page = next.page;
      if (next.tasks.length === 0) break;
    }
    const workflowState = snapshot.description.status.name;
    if (options.json) {
      const { runningAttempts, runningHosts, waiting } = snapshot;
      io.stdout(
        JSON.stringify(
          {
            workflowState,
            answered: snapshot.answered,
            runningAttempts,
            runningHosts,
            ...(waiting ? { waiting } : {}),
            ...snapshot.status,
          },
          null,
          2,
        ) + '\n',
      );
      return 0;
    }
    io.stdout(`Board "${boardId}": workflow ${snapshot.description.workflowId} is ${workflowState}.\n`);
    // The cause quotes the workflow's own failure message.
    if (snapshot.stuck) io.stdout(`${terminalText(describeStuck(snapshot.stuck))}\n`);
    const link = session.uiLink(snapshot.description.workflowId);
    if (link) io.stdout(`Web UI: ${link}\n`);
    if (!snapshot.status) {
      if (snapshot.stuck) return 1;
      const running = Object.entries(snapshot.runningAttempts).map(
        ([id, attempt]) =>
          `${id} (attempt ${attempt}${snapshot.runningHosts[id] ? ` on ${snapshot.runningHosts[id]}` : ''})`,
      );
      io.stdout(
        snapshot.answered
          ? 'No status recorded (the workflow did not complete normally).\n'
          : `No worker answered: nothing is polling task queue "${snapshot.description.taskQueue}". ` +
              `Run \`todone run <board file>\` or \`todone worker\` to resume it.\n` +
              (running.length ? `Tasks the server still counts as running: ${running.join(', ')}.\n` : ''),
      );
      if (snapshot.waiting) io.stdout(formatWaits(snapshot.waiting));
      return 0;
    }
    const status = snapshot.status;
    const elapsed = (status.endedAt ?? Date.now()) - status.startedAt;
    io.stdout(
      `${formatCounts(status)} after ${formatDuration(elapsed)} (maxParallel ${status.maxParallel}, ${status.policy}).\n\n`,
    );
    const changes = formatChanges(status);
    if (changes.length) io.stdout(changes.join('\n') + '\n\n');
    const people = formatWaitingForPeople(status, Date.now());
    if (people.length) io.stdout(people.join('\n') + '\n\n');
    io.stdout(formatTaskTable(status.tasks, snapshot.runningAttempts) + '\n');
    const hosts = formatAttemptHosts(status.tasks, {
      attempts: snapshot.runningAttempts,
      hosts: snapshot.runningHosts,
    });
    if (hosts.length) io.stdout('\n' + hosts.join('\n') + '\n');
    if (snapshot.waiting) io.stdout('\n' + formatWaits(snapshot.waiting));
    if (status.page?.kind === 'relevant')
      io.stdout(
        `(${status.tasks.length} of ${status.counts.total} tasks shown: the running, failed and latest ones. --tasks all shows every task, --tasks failed,running a selection.)\n`,
      );
    return 0;
  } finally {
    await session.close();
  }
}

/** Tasks no live worker can take, and the worker that would take them. */
function formatWaits(waits: readonly CapabilityWait[]): string {
  const lines = waits.map((w) => `  ${w.taskId}: ${describeWait(w)}`);
  const sets = [...new Set(waits.map((w) => w.requires.map((name) => `--capability ${name}`).join(' ')))];
  return (
    [
      'Waiting for a worker:',
      ...lines,
      `Start one with ${sets.map((flags) => `\`todone worker ${flags}\``).join(' or ')}.`,
    ].join('\n') + '\n'
  );
}

/** `--tasks all` or a comma-separated list of states. */
function taskFilter(given: string | undefined): StatusRequest | undefined {
  if (given === undefined) return undefined;
  if (given === 'all') return { all: true };
  const states = given
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = states.filter((s) => !(TASK_STATES as readonly string[]).includes(s));
  if (unknown.length > 0 || states.length === 0) {
    throw new InvalidInputError('--tasks', [
      {
        path: '',
        message: `expected "all" or task states from ${TASK_STATES.join(', ')}, got ${JSON.stringify(given)}`,
      },
    ]);
  }
  return { states: states as TaskState[] };
}
