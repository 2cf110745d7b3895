/**
 * The chaos board: a git board on a bare remote, `tasks` tasks with real dependencies, a few pairs
 * that conflict on purpose, some that need the capability only one worker offers. Every agent is
 * the same small shell script (chaos-agent.sh, on base), confined like any task: it appends a line to
 * the task's execution log outside the worktree (the board's one `writable:` folder) when it starts and when it ends, checks that its dependencies' files reached its
 * worktree, and writes `files/<task>.txt`, which its check (`validate`) then looks for.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Random } from './random.js';

/** The capability the last worker offers; a share of the tasks require it. */
export const SPECIAL = 'special';
/** The heartbeat timeout of every task: a worker stopped longer than this is taken for lost. */
export const HEARTBEAT_TIMEOUT_MS = 3_000;

export interface PlannedTask {
  id: string;
  dependsOn: string[];
  /** The file a conflicting pair both write (with different contents). */
  conflictFile?: string;
  requiresSpecial: boolean;
}

export interface ChaosBoard {
  id: string;
  file: string;
  tasks: PlannedTask[];
  /** Pairs of task ids that write the same file from the same base: exactly one of each must conflict. */
  conflictPairs: [string, string][];
  /** Where the agents write their execution logs, one file per task. */
  executions: string;
}

export interface BoardPlace {
  /** The run's folder: the boards are written here. */
  root: string;
  /** Where the agents write their execution logs (createExecutionsFolder). */
  executions: string;
  /** The bare repository every worker clones and pushes to. */
  remote: string;
}

const CONFLICT_PAIRS = 2;

/** The board's shape, drawn from `random`: ids t001…, each depending on up to three earlier tasks. */
export function planTasks(random: Random, count: number, withSpecial: boolean): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  const conflicting = 2 * CONFLICT_PAIRS;
  const ordinary = count - conflicting;
  for (let i = 0; i < ordinary; i++) {
    const id = taskId(i);
    const dependsOn = new Set<string>();
    // Recent tasks more often than old ones: chains as well as fan-in.
    const wanted = i === 0 ? 0 : random.int(0, Math.min(3, i));
    for (let d = 0; d < wanted; d++)
      dependsOn.add(taskId(Math.max(0, i - 1 - Math.floor(random.between(0, 1) ** 2 * i))));
    tasks.push({ id, dependsOn: [...dependsOn].sort(), requiresSpecial: withSpecial && random.chance(0.15) });
  }
  // Conflicting tasks start from base and have no dependents, so one of each pair conflicts and skips nothing.
  for (let p = 0; p < CONFLICT_PAIRS; p++) {
    for (const side of [0, 1]) {
      tasks.push({
        id: taskId(ordinary + 2 * p + side),
        dependsOn: [],
        conflictFile: `conflicts/c${p}.txt`,
        requiresSpecial: withSpecial && side === 1,
      });
    }
  }
  return tasks;
}

function taskId(i: number): string {
  return `t${String(i + 1).padStart(3, '0')}`;
}

export function conflictPairsOf(tasks: readonly PlannedTask[]): [string, string][] {
  const byFile = new Map<string, string[]>();
  for (const t of tasks) if (t.conflictFile) byFile.set(t.conflictFile, [...(byFile.get(t.conflictFile) ?? []), t.id]);
  return [...byFile.values()].map(([a, b]) => [a!, b!]);
}

/** The agent every task runs, committed on base so that it is in every worktree (a confined task sees nothing else of the run's folder). */
export const AGENT_SCRIPT = 'chaos-agent.sh';

/**
 * `sh chaos-agent.sh <executions folder> <task> <seconds> <dependencies,...> [<conflict file>]`. A run is
 * named by its pid and start time: confined runs each have their own pid namespace, so their pids repeat.
 */
const AGENT = [
  '#!/bin/sh',
  'set -e',
  'log="$1/$TODONE_BOARD_ID/$2.log"',
  'mkdir -p "$1/$TODONE_BOARD_ID"',
  'run="$$-$(date +%s%N)"',
  // The worktree path names the worker's data folder: which worker ran it.
  `printf 'start %s %s %s %s\\n' "$(date +%s%3N)" "$TODONE_ATTEMPT" "$PWD" "$run" >> "$log"`,
  'for dep in $(echo "$4" | tr , " "); do',
  '  [ -s "files/$dep.txt" ] || { echo "the file of dependency $dep is not in this worktree" >&2; exit 3; }',
  'done',
  'sleep "$3"',
  'mkdir -p files',
  'echo "$2" > "files/$2.txt"',
  'if [ -n "$5" ]; then echo "$2" > "$5"; fi',
  `printf 'end %s %s\\n' "$(date +%s%3N)" "$run" >> "$log"`,
  '',
].join('\n');

/** The files the remote starts with: the agent, and the conflicting pairs' files on base. */
export const BASE_FILES: Record<string, string> = {
  'README.md': '# chaos\n',
  [AGENT_SCRIPT]: AGENT,
  ...Object.fromEntries(Array.from({ length: CONFLICT_PAIRS }, (_, p) => [`conflicts/c${p}.txt`, 'base\n'])),
};

/** Where the agents write their execution logs: outside every worktree, the one folder the board makes writable. */
export async function createExecutionsFolder(root: string): Promise<string> {
  const executions = path.join(root, 'executions');
  await fs.mkdir(executions, { recursive: true });
  return executions;
}

export async function writeBoard(
  place: BoardPlace,
  id: string,
  tasks: PlannedTask[],
  random: Random,
): Promise<ChaosBoard> {
  const { executions } = place;
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const doc = {
    name: id,
    remote: place.remote,
    base: 'main',
    maxParallel: 6,
    // Confined, as boards are by default: the execution logs are the one folder outside the worktree it may write.
    writable: [executions],
    network: false,
    heartbeatTimeout: `${HEARTBEAT_TIMEOUT_MS / 1000}s`,
    // A fault can cost a task several attempts: while the one worker able to run it is stopped,
    // each retry is handed to that worker's open poll and times out there. 30 leaves room for a
    // dozen faults on one task; a board with a budget its faults can exhaust fails by design.
    retry: { maxAttempts: 30, initialInterval: '200ms', maxInterval: '2s' },
    timeout: '2m',
    tasks: tasks.map((t) => ({
      id: t.id,
      ...(t.dependsOn.length > 0 ? { dependsOn: t.dependsOn } : {}),
      agent: [
        'sh',
        AGENT_SCRIPT,
        quote(executions),
        t.id,
        random.between(0.5, 2.5).toFixed(2),
        quote(t.dependsOn.join(',')),
        ...(t.conflictFile ? [t.conflictFile] : []),
      ].join(' '),
      validate: [`test -s files/${t.id}.txt`],
      ...(t.requiresSpecial ? { requires: [SPECIAL] } : {}),
    })),
  };
  const file = path.join(place.root, 'boards', `${id}.yaml`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, stringify(doc, { lineWidth: 0 }));
  return { id, file, tasks, conflictPairs: conflictPairsOf(tasks), executions };
}
