/**
 * `todone draft`: a board for a goal, written by a coding agent and checked by the loader. The
 * agent writes TODONE_DRAFT_FILE; the loader's problems go back to it, each with its path, for up
 * to `rounds` more attempts. Nothing runs: the caller prints the plan and writes the board.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { normaliseBoard } from '../board/load.js';
import { parseBoardText } from '../board/parse.js';
import type { BoardSpec, SandboxMode } from '../core/board.js';
import { InvalidInputError, type Issue } from '../errors.js';
import { findPackageRoot } from '../util/package-root.js';
import { readPlantedFile } from '../util/read-planted.js';
import { runDraftRound, type DraftAgent } from './drafter.js';
import { executableProblem } from './executable.js';
import { draftPrompt } from './prompt.js';
import { mapRepository } from './repo-map.js';

export const DEFAULT_ROUNDS = 3;
export const DEFAULT_DRAFT_TIMEOUT_MS = 15 * 60_000;
/** A board bigger than this is not a draft anyone will read. */
const MAX_DRAFT_BYTES = 1024 * 1024;

export interface DraftOptions {
  goal: string;
  /** Absolute path of the repository the board is for. */
  repo: string;
  agent: DraftAgent;
  /** Absolute path the board will be saved at (its relative paths start from its folder). */
  output: string;
  /** How the output is named in messages (as the user gave it). */
  outputDisplay: string;
  /** Feedback rounds after the first attempt. */
  rounds: number;
  sandbox: SandboxMode;
  timeoutMs: number;
  /** Todone's data folder: drafts are worked on under <home>/drafts/. */
  home: string;
  /** Replace the output file when it exists (otherwise that is refused before the agent runs). */
  replace?: boolean;
  /** Told when each round starts and ends (progress on stderr, MCP progress). */
  onRound?: (event: { round: number; of: number; problems?: readonly Issue[] }) => void;
}

export type DraftResult =
  | { ok: true; board: BoardSpec; text: string; rounds: number }
  | { ok: false; problems: Issue[]; rounds: number; workDir: string };

export async function draftBoard(options: DraftOptions): Promise<DraftResult> {
  await checkOptions(options);
  const firstArg =
    options.agent.kind === 'custom' ? options.agent.command[0]! : (options.agent.bin ?? options.agent.kind);
  const missing = await executableProblem(firstArg, options.repo);
  if (missing)
    throw new InvalidInputError(options.agent.kind === 'custom' ? '--command' : '--agent', [
      { path: '', message: missing },
    ]);

  await fs.mkdir(path.join(options.home, 'drafts'), { recursive: true });
  const workDir = await fs.mkdtemp(path.join(options.home, 'drafts', 'draft-'));
  const draftFile = path.join(workDir, `board${path.extname(options.output).toLowerCase()}`);
  const map = await mapRepository(options.repo);
  const schema = findPackageRoot();
  const attempts = 1 + options.rounds;
  let problems: Issue[] = [];
  for (let round = 1; round <= attempts; round++) {
    options.onRound?.({ round, of: attempts });
    const prompt = draftPrompt({
      goal: options.goal,
      draftFile,
      output: options.output,
      map,
      ...(options.agent.kind !== 'custom' ? { taskAgent: options.agent.kind } : {}),
      ...(schema ? { schemaFile: path.join(schema, 'schema', 'board.schema.json') } : {}),
      round,
      problems,
    });
    const promptFile = path.join(workDir, `prompt-${round}.md`);
    await fs.writeFile(promptFile, prompt);
    const ran = await runDraftRound({
      agent: options.agent,
      sandbox: options.sandbox,
      prompt,
      promptFile,
      draftDir: workDir,
      draftFile,
      repo: options.repo,
      round,
      timeoutMs: options.timeoutMs,
    });
    const checked = await checkDraft(draftFile, options);
    if ('board' in checked) {
      await fs.rm(workDir, { recursive: true, force: true });
      return { ok: true, board: checked.board, text: checked.text, rounds: round };
    }
    problems = [
      ...(ran.kind === 'timed-out'
        ? [
            {
              path: '',
              message: `the agent did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped`,
            },
          ]
        : ran.exitCode !== 0
          ? [
              {
                path: '',
                message: `the agent exited with code ${ran.exitCode}${ran.lastLine ? `: ${ran.lastLine}` : ''}`,
              },
            ]
          : []),
      ...checked.problems,
    ];
    options.onRound?.({ round, of: attempts, problems });
  }
  return { ok: false, problems, rounds: attempts, workDir };
}

async function checkOptions(options: DraftOptions): Promise<void> {
  const issues: Issue[] = [];
  if (!(await fs.stat(options.repo).catch(() => undefined))?.isDirectory())
    issues.push({ path: '--repo', message: `not a folder: ${options.repo}` });
  if (!options.replace && (await fs.lstat(options.output).catch(() => undefined)))
    issues.push({
      path: '--output',
      message: `${options.outputDisplay} exists: give another file, or --force to replace it`,
    });
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs <= 0)
    issues.push({ path: '--timeout', message: 'expected a positive duration' });
  if (!options.goal.trim()) issues.push({ path: 'goal', message: 'say what the board is for' });
  if (!['.yaml', '.yml', '.json'].includes(path.extname(options.output).toLowerCase()))
    issues.push({ path: '--output', message: `expected a .yaml, .yml or .json file, got ${options.outputDisplay}` });
  if (!Number.isInteger(options.rounds) || options.rounds < 0 || options.rounds > 10)
    issues.push({ path: '--rounds', message: `expected a whole number from 0 to 10, got ${options.rounds}` });
  if (options.agent.kind === 'custom' && options.agent.command.length === 0)
    issues.push({
      path: '--command',
      message: 'expected an argv template, e.g. "my-agent --prompt-file {promptFile}"',
    });
  if (issues.length) throw new InvalidInputError('todone draft', issues);
}

/** The draft as the loader sees it where it will be saved: a board, or every problem with its path. */
async function checkDraft(
  draftFile: string,
  options: DraftOptions,
): Promise<{ board: BoardSpec; text: string } | { problems: Issue[] }> {
  const text = await readDraft(draftFile);
  if (typeof text !== 'string') return { problems: [text] };
  try {
    const parsed = parseBoardText(text, options.output);
    const board = normaliseBoard(parsed.value, {
      source: options.outputDisplay,
      baseDir: path.dirname(options.output),
      locate: parsed.locate,
      checkWorkdir: true,
      home: options.home,
    });
    return { board, text };
  } catch (error) {
    if (error instanceof InvalidInputError) return { problems: error.issues };
    throw error;
  }
}

/** The draft's text; the agent controls that folder, so a link it left there is not followed. */
async function readDraft(file: string): Promise<string | Issue> {
  const read = await readPlantedFile(file, MAX_DRAFT_BYTES + 1);
  if (read.ok && read.size <= MAX_DRAFT_BYTES) return read.text;
  const message = read.ok
    ? `the board is ${read.size} bytes, over the ${MAX_DRAFT_BYTES}-byte limit of a draft`
    : read.why === 'link'
      ? `${file} is a symbolic link: write the board into the file itself`
      : read.why === 'not-a-file'
        ? `${file} is not a regular file: write the board into a file`
        : `no board was written to ${file} (TODONE_DRAFT_FILE)`;
  return { path: '', message };
}
