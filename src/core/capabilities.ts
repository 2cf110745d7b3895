/**
 * Capability routing by task queue. A task that requires capabilities runs on the queue named by
 * its board's queue and that set (`todone@claude+gpu`); a worker offering capabilities polls the
 * queue of every non-empty subset of them, so it takes any task whose requirements it covers, and
 * plain tasks stay on the board's queue, which every worker polls. Pure: the workflow uses it.
 */

/** A worker polls 2^n - 1 capability queues: past this, the fleet wants fewer, coarser names. */
export const MAX_CAPABILITIES = 5;

/** A capability name: it becomes part of a task queue name. */
export const CAPABILITY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,39}$/;

/** Sorted and without repeats: the same set always names the same queue. */
export function normaliseCapabilities(names: readonly string[]): string[] {
  return [...new Set(names)].sort();
}

/** The task queue a task requiring `requires` is routed to: the board's own queue when it requires nothing. */
export function capabilityQueue(taskQueue: string, requires: readonly string[] | undefined): string {
  const set = normaliseCapabilities(requires ?? []);
  return set.length === 0 ? taskQueue : `${taskQueue}@${set.join('+')}`;
}

/** Every capability queue a worker offering `capabilities` polls (not the board's queue itself). */
export function capabilityQueues(taskQueue: string, capabilities: readonly string[]): string[] {
  const set = normaliseCapabilities(capabilities);
  const queues: string[] = [];
  for (let mask = 1; mask < 1 << set.length; mask++) {
    queues.push(
      capabilityQueue(
        taskQueue,
        set.filter((_, i) => (mask & (1 << i)) !== 0),
      ),
    );
  }
  return queues;
}

/** Why a worker's capability list is refused, or undefined when it is fine. */
export function capabilityProblem(capabilities: readonly string[]): string | undefined {
  const bad = capabilities.find((name) => !CAPABILITY_PATTERN.test(name));
  if (bad !== undefined)
    return `capability "${bad}" is not a valid name (lowercase letters, digits, ".", "_", "-"; at most 40 characters)`;
  const set = normaliseCapabilities(capabilities);
  if (set.length > MAX_CAPABILITIES)
    return `a worker offers at most ${MAX_CAPABILITIES} capabilities (it polls a queue per combination), got ${set.length}: ${set.join(', ')}`;
  return undefined;
}

/** The queue a worker's own steps go to: the steps of a task that must stay on the machine that holds its worktree. */
export function workerQueue(taskQueue: string, identity: string): string {
  return `${taskQueue}/worker/${identity}`;
}

/** The worker identity a `workerQueue` names (the whole name when it is not one). */
export function workerOfQueue(queue: string): string {
  const at = queue.indexOf('/worker/');
  return at === -1 ? queue : queue.slice(at + '/worker/'.length);
}
