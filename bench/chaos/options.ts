/** `npm run chaos -- …`: the options, checked once, every problem named with its flag. */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FAULT_KINDS, type FaultKind } from './fault-kinds.js';

export interface ChaosOptions {
  /** How long faults are injected; boards keep starting until then, and the last one is let finish. */
  minutes: number;
  seed: number;
  /** `todone worker` processes; the last one offers the `special` capability. */
  workers: number;
  /** Mean seconds between two faults (each gap is drawn between half and one and a half of it). */
  everySeconds: number;
  /** Tasks per board. */
  tasks: number;
  /** The kinds of fault to inject (default: all). */
  faults: FaultKind[];
  /** Keep the run's folder (boards, logs, remote, data folders) instead of removing it. */
  keep: boolean;
  /** The report as one JSON document on stdout. */
  json: boolean;
}

export const DEFAULTS = { minutes: 10, workers: 2, everySeconds: 3, tasks: 120 } as const;

export class OptionsError extends Error {}

export const USAGE = `npm run chaos -- [--minutes N] [--seed N] [--workers N] [--every SECONDS] [--tasks N] [--faults kind,...] [--keep] [--json]
  fault kinds: ${FAULT_KINDS.join(', ')}`;

export function parseOptions(argv: readonly string[]): ChaosOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        minutes: { type: 'string' },
        seed: { type: 'string' },
        workers: { type: 'string' },
        every: { type: 'string' },
        tasks: { type: 'string' },
        faults: { type: 'string' },
        keep: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new OptionsError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  return {
    minutes: number('--minutes', v.minutes, DEFAULTS.minutes, { min: 0.1, max: 24 * 60 }),
    seed: v.seed === undefined ? randomInt(2 ** 31) : integer('--seed', v.seed, { min: 0, max: 2 ** 32 - 1 }),
    workers: v.workers === undefined ? DEFAULTS.workers : integer('--workers', v.workers, { min: 1, max: 8 }),
    everySeconds: number('--every', v.every, DEFAULTS.everySeconds, { min: 0.5, max: 3600 }),
    tasks: v.tasks === undefined ? DEFAULTS.tasks : integer('--tasks', v.tasks, { min: 12, max: 2000 }),
    faults: v.faults === undefined ? [...FAULT_KINDS] : faultKinds(v.faults),
    keep: v.keep ?? false,
    json: v.json ?? false,
  };
}

function number(flag: string, given: string | undefined, fallback: number, range: { min: number; max: number }) {
  if (given === undefined) return fallback;
  const value = Number(given);
  if (given.trim() === '' || !Number.isFinite(value) || value < range.min || value > range.max)
    throw new OptionsError(`${flag} must be a number from ${range.min} to ${range.max}, got ${JSON.stringify(given)}`);
  return value;
}

function integer(flag: string, given: string, range: { min: number; max: number }): number {
  const value = Number(given);
  if (!/^\d+$/.test(given) || value < range.min || value > range.max)
    throw new OptionsError(
      `${flag} must be a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(given)}`,
    );
  return value;
}

function faultKinds(given: string): FaultKind[] {
  const kinds = given.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0)
    throw new OptionsError(
      `--faults names unknown kind(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}: choose from ${FAULT_KINDS.join(', ')}`,
    );
  return [...new Set(kinds)] as FaultKind[];
}
