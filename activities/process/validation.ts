/**
 * Runs a task's validation commands after its agent, each supervised like the agent (own process
 * group, killed on cancel), all into one log. The first required failure stops the run: later
 * checks would mostly fail for the same reason and only delay the retry.
 */
import fs from 'node:fs/promises';
import type { ValidateSpec } from '../../src/core/board.js';
import type { ValidationRecord } from '../types.js';
import type { ConfinedArgv } from './sandbox.js';
import { supervise, type SuperviseOptions } from './supervise.js';

/** Ends the log of a run that failed; the next attempt's prompt only quotes a log that has it. */
export const VALIDATION_FAILED_MARKER = '[todone] required check failed:';

export type ValidationOptions = Omit<SuperviseOptions, 'file' | 'args' | 'joins' | 'appendLog' | 'onProgress'> & {
  commands: readonly ValidateSpec[];
  /**
   * Runs each check inside the task's confinement: the agent could have rewritten the scripts a
   * check calls, so the checks are held to the same folders as the agent.
   */
  confine?: (file: string, args: readonly string[]) => ConfinedArgv;
  onProgress: (progress: { command: string; outputBytes: number; lastLine: string; elapsedMs: number }) => void;
};

export type ValidationOutcome =
  | { kind: 'passed'; records: ValidationRecord[] }
  | { kind: 'failed'; records: ValidationRecord[]; failed: ValidationRecord; tail: string; lastLine: string }
  | { kind: 'aborted'; records: ValidationRecord[] };

export async function runValidation(options: ValidationOptions): Promise<ValidationOutcome> {
  const { commands, onProgress, confine, ...rest } = options;
  await fs.writeFile(options.logPath, '');
  const records: ValidationRecord[] = [];
  for (const check of commands) {
    await fs.appendFile(options.logPath, `$ ${check.run}\n`);
    const argv = confine ? confine('/bin/sh', ['-c', check.run]) : { file: '/bin/sh', args: ['-c', check.run] };
    const outcome = await supervise({
      ...rest,
      ...argv,
      appendLog: true,
      onProgress: (progress) => onProgress({ command: check.run, ...progress }),
    });
    if (outcome.kind === 'killed' && outcome.aborted) return { kind: 'aborted', records };
    const exitCode = outcome.kind === 'exited' ? outcome.exitCode : null;
    const passed = exitCode === 0;
    const record: ValidationRecord = {
      command: check.run,
      passed,
      required: check.required,
      exitCode,
      durationMs: outcome.durationMs,
    };
    records.push(record);
    const how =
      outcome.kind === 'exited'
        ? `exit ${outcome.exitCode}`
        : outcome.kind === 'killed'
          ? `killed by ${outcome.signal}`
          : outcome.message;
    await fs.appendFile(
      options.logPath,
      `\n[todone] ${how}${passed ? '' : check.required ? '' : ' (advisory, not required)'}\n\n`,
    );
    if (!passed && check.required) {
      await fs.appendFile(options.logPath, `${VALIDATION_FAILED_MARKER} ${check.run}\n`);
      return { kind: 'failed', records, failed: record, tail: outcome.tail.tail, lastLine: outcome.tail.lastLine };
    }
  }
  return { kind: 'passed', records };
}
