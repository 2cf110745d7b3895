/**
 * A task's structured output: JSON it writes to the file named by TODONE_OUTPUT (a reduce
 * command may print it on stdout instead). It is bounded, kept with the task's outcome, and handed
 * to dependents: quoted in their prompt and written whole to the file TODONE_DEPENDENCY_OUTPUTS
 * names (`{ "<dependency id>": <output>, ... }`), which a reduce command also gets on stdin.
 *
 * The output file is in the task's scratch folder, which the task writes: the worker opens it
 * without following a link and reads only a regular file, never more than the limit. The
 * dependencies' file is the worker's, in the task's folder, which the task can only read.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readPlantedFile } from '../src/util/read-planted.js';
import type { TaskPlaces } from './sandbox/task-places.js';
import type { RunTaskInput } from './types.js';

/** Outputs travel in payloads and prompts: big data belongs in files the task commits. */
export const MAX_OUTPUT_BYTES = 64 * 1024;

export interface OutputFiles {
  outputFile: string;
  dependencyFile: string;
  env: Record<string, string>;
}

/** Clears a stale output and writes the dependencies' outputs for this attempt. */
export async function prepareOutputFiles(
  input: RunTaskInput,
  places: Pick<TaskPlaces, 'dir' | 'scratch'>,
  attempt: number,
): Promise<OutputFiles> {
  const outputFile = path.join(places.scratch, `output-${attempt}.json`);
  const dependencyFile = path.join(places.dir, `dependency-outputs-${attempt}.json`);
  const outputs = Object.fromEntries(
    (input.dependencies ?? []).filter((d) => d.output !== undefined).map((d) => [d.id, d.output]),
  );
  await Promise.all([
    fs.rm(outputFile, { force: true }),
    fs.writeFile(dependencyFile, JSON.stringify(outputs, null, 2) + '\n'),
  ]);
  return { outputFile, dependencyFile, env: { TODONE_OUTPUT: outputFile, TODONE_DEPENDENCY_OUTPUTS: dependencyFile } };
}

/**
 * The output this attempt left: the TODONE_OUTPUT file, or for a reduce command what it printed.
 * Undefined when it left none; a problem (too big, not JSON) is thrown as a sentence.
 */
export async function readTaskOutput(
  files: OutputFiles,
  options: { reduce: boolean; logPath: string },
): Promise<unknown> {
  const fromFile = await readBounded(files.outputFile, 'TODONE_OUTPUT');
  if (fromFile !== undefined) return parse(fromFile, `the output in ${files.outputFile}`);
  if (!options.reduce) return undefined;
  const printed = await readBounded(options.logPath, "the reduce command's output");
  if (printed === undefined || printed.trim() === '')
    throw new Error(
      'the reduce command printed nothing: it must print its result as JSON (or write it to $TODONE_OUTPUT)',
    );
  return parse(printed, 'what the reduce command printed');
}

/**
 * `file`'s text, or undefined when there is none. The output file is the task's: read without
 * following a link (which would make the worker read, and hand on, whatever it points to), only as
 * a regular file, never past the limit.
 */
async function readBounded(file: string, what: string): Promise<string | undefined> {
  const read = await readPlantedFile(file, MAX_OUTPUT_BYTES + 1, { inside: path.dirname(file) });
  if (!read.ok) {
    if (read.why === 'missing') return undefined;
    throw new Error(`${what} (${file}) is ${PLANTED[read.why]}: write the output itself there`);
  }
  if (read.size > MAX_OUTPUT_BYTES) {
    throw new Error(
      `${what} is ${read.size} bytes, over the ${MAX_OUTPUT_BYTES}-byte limit for task outputs: keep big results in files and output a summary`,
    );
  }
  return read.text;
}

const PLANTED = {
  link: 'a link',
  'not-a-file': 'not a regular file',
  outside: 'reached through a link to another folder',
  'other-names': 'a hard link to another file',
} as const;

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
