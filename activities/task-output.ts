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
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
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
  const fromFile = await readBounded(files.outputFile, 'TODONE_OUTPUT', { task: true });
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
 * `file`'s text, or undefined when there is none. A file the task wrote is opened without following
 * a link (a link there would make the worker read, and hand on, whatever it points to).
 */
async function readBounded(file: string, what: string, options: { task?: boolean } = {}): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | (options.task ? constants.O_NOFOLLOW | constants.O_NONBLOCK : 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new Error(`${what} (${file}) is a link: write the output itself there`);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${what} (${file}) is not a regular file: write the output itself there`);
    if (info.size > MAX_OUTPUT_BYTES) {
      throw new Error(
        `${what} is ${info.size} bytes, over the ${MAX_OUTPUT_BYTES}-byte limit for task outputs: keep big results in files and output a summary`,
      );
    }
    // Read to the limit only: a file still growing (a process the task left behind) cannot exhaust the worker.
    const buffer = Buffer.alloc(MAX_OUTPUT_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_OUTPUT_BYTES)
      throw new Error(`${what} grew over the ${MAX_OUTPUT_BYTES}-byte limit for task outputs while it was read`);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

function parse(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}
