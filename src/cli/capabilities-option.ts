/**
 * What a worker offers tasks that `require` capabilities: `--capability` flags (repeatable, or
 * comma-separated), else TODONE_CAPABILITIES (comma-separated, for containers). Checked once at
 * start: a name that cannot become part of a task queue name stops the worker before it polls.
 */
import { capabilityProblem, capabilityQueues, normaliseCapabilities } from '../core/capabilities.js';
import { InvalidInputError } from '../errors.js';

export function workerCapabilities(flags: readonly string[] | undefined, env: NodeJS.ProcessEnv): string[] {
  const fromFlags = flags !== undefined && flags.length > 0;
  const given = (fromFlags ? flags : [env.TODONE_CAPABILITIES ?? ''])
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter(Boolean);
  const problem = capabilityProblem(given);
  if (problem)
    throw new InvalidInputError(fromFlags ? '--capability' : 'TODONE_CAPABILITIES', [{ path: '', message: problem }]);
  return normaliseCapabilities(given);
}

/** For a worker's start line: what it offers and the queues that brings. */
export function describeCapabilities(taskQueue: string, capabilities: readonly string[]): string {
  if (capabilities.length === 0) return 'no capabilities (it takes tasks that require none)';
  const queues = capabilityQueues(taskQueue, capabilities);
  return `capabilities ${capabilities.join(', ')} (also polling ${queues.map((q) => `"${q}"`).join(', ')})`;
}
