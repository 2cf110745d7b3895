/**
 * The loader's checks of a board's sandbox settings that need this machine (its home, Todone's
 * folders, where links lead): `writable` folders, the config folders a CLI agent's `env` makes
 * writable, and a confined board's workdir. The worker checks them again where the task runs.
 */
import os from 'node:os';
import type { BoardSpec, TaskSpec } from '../core/board.js';
import { todoneHome } from '../data-dir.js';
import { toolsDir } from '../tools/tools-dir.js';
import type { BoardIssue, PathSegment } from './format.js';
import type { RawAgent, RawBoard } from './schema.js';
import { workdirProblem, writablePathProblem, type WritableContext } from './writable-paths.js';

/** Variables that make a folder writable to the task (the CLI keeps its sessions there). */
const WRITABLE_ENV = ['CODEX_HOME', 'CLAUDE_CONFIG_DIR'];

export function checkSandbox(
  raw: RawBoard,
  board: Pick<BoardSpec, 'workdir' | 'git' | 'tasks'>,
  options: { home?: string; checkWorkdir?: boolean },
  issues: BoardIssue[],
): void {
  const places: WritableContext = {
    home: os.homedir(),
    dataDir: options.home ?? todoneHome(),
    toolsDir: toolsDir(),
    ...(board.git && !board.git.remote ? { repo: board.git.repo } : {}),
  };
  const listed: [readonly string[] | undefined, PathSegment[]][] = [
    [raw.writable, ['writable']],
    ...raw.tasks.map((task, i): [readonly string[] | undefined, PathSegment[]] => [
      task.writable,
      ['tasks', i, 'writable'],
    ]),
  ];
  for (const [list, at] of listed) {
    list?.forEach((folder, i) => {
      const problem = writablePathProblem(folder, places);
      if (problem) issues.push({ at: [...at, i], message: problem });
    });
  }
  raw.tasks.forEach((task, i) => {
    const spec = board.tasks[i];
    if (spec?.agent.sandbox !== 'worktree') return;
    const type = spec.type;
    const written: [RawAgent | undefined, PathSegment[]] = task.agent
      ? [task.agent, ['tasks', i, 'agent']]
      : raw.agents?.[type]
        ? [raw.agents[type], ['agents', type]]
        : [raw.agent, ['agent']];
    checkConfigFolders(written[0], written[1], places, issues);
    task.attempts?.agents?.forEach((agent, j) =>
      checkConfigFolders(agent, ['tasks', i, 'attempts', 'agents', j], places, issues),
    );
  });
  // Without a repository, tasks work (and write) in the workdir itself.
  if (!board.git && options.checkWorkdir && board.tasks.some(confined)) {
    const problem = workdirProblem(board.workdir, places);
    if (problem)
      issues.push({
        at: raw.workdir === undefined ? [] : ['workdir'],
        message: `confined tasks write in the workdir, which ${problem}${raw.workdir === undefined ? ' (it defaults to the board file’s folder: set workdir)' : ''}`,
      });
  }
}

function confined(task: TaskSpec): boolean {
  return task.agent.sandbox === 'worktree';
}

function checkConfigFolders(
  agent: RawAgent | undefined,
  at: PathSegment[],
  places: WritableContext,
  issues: BoardIssue[],
): void {
  for (const name of WRITABLE_ENV) {
    const value = agent?.env?.[name];
    if (typeof value !== 'string') continue;
    const problem = writablePathProblem(value, places);
    if (problem)
      issues.push({
        at: [...at, 'env', name],
        message: `the CLI's config folder is writable to the task, so it ${problem}`,
      });
  }
}
