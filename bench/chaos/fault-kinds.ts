/** The faults the chaos run injects, by name (the report counts each). */
export const FAULT_KINDS = [
  /** SIGKILL a worker, then start a new one on the same data folder. */
  'worker-kill',
  /** SIGSTOP a worker for longer than the heartbeat timeout, then SIGCONT it: taken for lost, yet alive. */
  'worker-stop',
  /** SIGKILL `todone run --no-worker`, then run it again: it attaches to the board. */
  'submitter-kill',
  /** SIGKILL the Temporal dev server, then start it again on the same database and ports. */
  'server-kill',
  /** Fill a worker's data folder (a small tmpfs) to the last byte for a few seconds. */
  'disk-full',
  /** Remove a running task's worktree from under its worker. */
  'worktree-remove',
  /** SIGKILL a running agent's process group from outside. */
  'agent-kill',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];
