/**
 * `todone draft "<goal>"`: a coding agent writes a board for the goal, the loader checks it (its
 * problems go back to the agent for up to --rounds more attempts), and the board is saved and
 * shown with its plan. Nothing runs unless --run. Exit 0 with a valid board, 1 when the agent
 * could not write one (the last problems shown), 2 for bad input.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseCommandString } from 'execa';
import { parseDuration } from '../../core/duration.js';
import { planBoard } from '../../core/plan.js';
import { sharedFiles } from '../../core/shared-files.js';
import type { CliAgentSpec, SandboxMode } from '../../core/board.js';
import { todoneHome } from '../../data-dir.js';
import { DEFAULT_DRAFT_TIMEOUT_MS, DEFAULT_ROUNDS, draftBoard } from '../../draft/draft.js';
import type { DraftAgent } from '../../draft/drafter.js';
import { InvalidInputError } from '../../errors.js';
import { formatPlanText } from '../format/plan-text.js';
import type { CommandIO } from '../io.js';
import { runCommand } from './run.js';

export const DRAFT_AGENTS = ['claude', 'codex', 'gemini', 'aider'] as const;

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
  const problems = [];
  if (!(await fs.stat(repo).catch(() => undefined))?.isDirectory())
    problems.push({ path: '--repo', message: `not a folder: ${repo}` });
  if (timeoutMs === undefined || timeoutMs <= 0)
    problems.push({ path: '--timeout', message: `expected a duration such as 10m, got "${options.timeout}"` });
  if (!options.force && (await fs.lstat(output).catch(() => undefined)))
    problems.push({
      path: '--output',
      message: `${outputDisplay} exists: give another file, or --force to replace it`,
    });
  if (problems.length) throw new InvalidInputError('todone draft', problems);

  const describeAgent = agent.kind === 'custom' ? agent.command[0] : agent.kind;
  const result = await draftBoard({
    goal: options.goal,
    repo,
    agent,
    output,
    outputDisplay,
    rounds: options.rounds ?? DEFAULT_ROUNDS,
    sandbox: options.sandbox ?? 'worktree',
    timeoutMs: timeoutMs!,
    home: todoneHome(io.env),
    onRound: ({ round, of, problems }) =>
      io.stderr(
        problems === undefined
          ? `Drafting with ${describeAgent}: attempt ${round} of ${of}...\n`
          : `Attempt ${round}: ${problems} problem${problems === 1 ? '' : 's'}${round < of ? ', sent back to the agent' : ''}.\n`,
      ),
  });
  if (!result.ok) {
    io.stderr(
      `todone: the agent did not write a valid board in ${result.rounds} attempt${result.rounds === 1 ? '' : 's'}. The last problems:\n` +
        result.problems.map((p) => `  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n') +
        `\nIts prompts, logs and last draft are in ${result.workDir}.\n`,
    );
    return 1;
  }
  await writeFresh(output, result.text);
  const plan = planBoard(result.board.tasks, result.board.maxParallel);
  io.stdout(
    `Board written to ${outputDisplay} (attempt ${result.rounds}).\n\n` +
      formatPlanText(result.board, plan, { shared: sharedFiles(result.board.tasks) }) +
      (options.run ? '' : `\nNothing has run. Read it, then: todone run ${outputDisplay}\n`),
  );
  return options.run ? runCommand({ file: output }, io) : 0;
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

/** The board appears whole or not at all: written beside it, then renamed over it (a link there is replaced, not followed). */
async function writeFresh(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file).catch(async (error: unknown) => {
    await fs.rm(temporary, { force: true });
    throw error;
  });
}
