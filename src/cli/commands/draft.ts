/**
 * `todone draft "<goal>"`: a coding agent writes a board for the goal, the loader checks it (its
 * problems go back to the agent for up to --rounds more attempts), and the board is saved and
 * shown with its plan. Nothing runs unless --run. Exit 0 with a valid board, 1 when the agent
 * could not write one (the last problems shown), 2 for bad input.
 */
import path from 'node:path';
import { parseCommandString } from 'execa';
import { parseDuration } from '../../core/duration.js';
import { planBoard } from '../../core/plan.js';
import { sharedFiles } from '../../core/shared-files.js';
import type { CliAgentSpec, SandboxMode } from '../../core/board.js';
import { todoneHome } from '../../data-dir.js';
import { DEFAULT_DRAFT_TIMEOUT_MS, DEFAULT_ROUNDS, draftBoard } from '../../draft/draft.js';
import type { DraftAgent } from '../../draft/drafter.js';
import { writeBoardFile } from '../../draft/write-board.js';
import { InvalidInputError, type Issue } from '../../errors.js';
import { formatPlanText } from '../format/plan-text.js';
import type { CommandIO } from '../io.js';
import { runCommand } from './run.js';

export interface DraftCommandOptions {
  goal: string;
  repo?: string;
  agent?: CliAgentSpec['kind'];
  /** An argv template: a JSON array of strings, or words split as execa splits a command string. */
  command?: string;
  model?: string;
  output?: string;
  rounds?: number;
  sandbox?: SandboxMode;
  /** Per round, e.g. "10m". */
  timeout?: string;
  force?: boolean;
  run?: boolean;
}

export async function draftCommand(options: DraftCommandOptions, io: CommandIO): Promise<number> {
  const repo = path.resolve(io.cwd, options.repo ?? '.');
  const outputDisplay = options.output ?? 'board.yaml';
  const output = path.resolve(io.cwd, outputDisplay);
  const agent = draftAgent(options);
  const timeoutMs = options.timeout === undefined ? DEFAULT_DRAFT_TIMEOUT_MS : parseDuration(options.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw new InvalidInputError('todone draft', [
      { path: '--timeout', message: `expected a duration such as 10m, got "${options.timeout}"` },
    ]);

  const describeAgent = agent.kind === 'custom' ? agent.command[0] : agent.kind;
  const result = await draftBoard({
    goal: options.goal,
    repo,
    agent,
    output,
    outputDisplay,
    rounds: options.rounds ?? DEFAULT_ROUNDS,
    sandbox: options.sandbox ?? 'worktree',
    timeoutMs: timeoutMs,
    home: todoneHome(io.env),
    replace: options.force === true,
    onRound: ({ round, of, problems }) =>
      io.stderr(
        problems === undefined
          ? `Drafting with ${describeAgent}: attempt ${round} of ${of}...\n`
          : `Attempt ${round}: ${problems.length} problem${problems.length === 1 ? '' : 's'}${round < of ? ', sent back to the agent' : ''}:\n` +
              formatIssues(problems.slice(0, SHOWN_PROBLEMS)) +
              (problems.length > SHOWN_PROBLEMS ? `\n  … and ${problems.length - SHOWN_PROBLEMS} more` : '') +
              '\n',
      ),
  });
  if (!result.ok) {
    io.stderr(
      `todone: the agent did not write a valid board in ${result.rounds} attempt${result.rounds === 1 ? '' : 's'}. The last problems:\n` +
        formatIssues(result.problems) +
        `\nIts prompts, logs and last draft are in ${result.workDir}.\n`,
    );
    return 1;
  }
  await writeBoardFile(output, result.text);
  const plan = planBoard(result.board.tasks, result.board.maxParallel);
  io.stdout(
    `Board written to ${outputDisplay} (attempt ${result.rounds}).\n\n` +
      formatPlanText(result.board, plan, { shared: sharedFiles(result.board.tasks) }) +
      (options.run ? '' : `\nNothing has run. Read it, then: todone run ${outputDisplay}\n`),
  );
  return options.run ? runCommand({ file: output }, io) : 0;
}

/** Problems shown after each attempt; the last attempt's are all shown. */
const SHOWN_PROBLEMS = 5;

function formatIssues(problems: readonly Issue[]): string {
  return problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}

function draftAgent(options: DraftCommandOptions): DraftAgent {
  if (options.agent && options.command)
    throw new InvalidInputError('todone draft', [
      { path: '--command', message: 'give --agent or --command, not both' },
    ]);
  if (options.command !== undefined) return { kind: 'custom', command: parseTemplate(options.command) };
  return { kind: options.agent ?? 'claude', ...(options.model ? { model: options.model } : {}) };
}

/** `["my-agent", "--prompt-file", "{promptFile}"]`, or `my-agent --prompt-file {promptFile}`. */
export function parseTemplate(template: string): string[] {
  if (template.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(template);
    } catch (error) {
      throw new InvalidInputError('--command', [
        { path: '', message: `not a JSON array: ${(error as Error).message}` },
      ]);
    }
    if (!Array.isArray(parsed) || !parsed.every((arg) => typeof arg === 'string'))
      throw new InvalidInputError('--command', [{ path: '', message: 'expected a JSON array of strings' }]);
    return parsed;
  }
  return parseCommandString(template);
}
