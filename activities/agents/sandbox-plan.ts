/**
 * How codex is confined, from what the probes found: its own sandbox where that works; where it
 * cannot set up, its sandbox off inside Todone's bubblewrap confinement; where neither works, a
 * refusal that says so, since codex would otherwise "succeed" without being able to write a file.
 * A board that sets codex's sandbox itself (in the agent's args) gets exactly what it set.
 * Pure: the probes' results come in, so every branch is testable on any host.
 */
import type { ProbeResult } from '../process/sandbox.js';

export type CodexSandboxPlan =
  /** `--sandbox workspace-write`: codex confines itself. */
  | { use: 'codex' }
  /** `--dangerously-bypass-approvals-and-sandbox`, inside Todone's bubblewrap confinement. */
  | { use: 'todone' }
  /** The board's own sandbox flags, untouched. */
  | { use: 'board' }
  /** Nothing can confine codex here: the task is refused with this message. */
  | { use: 'none'; message: string };

export function planCodexSandbox(codex: ProbeResult, confinement: ProbeResult): CodexSandboxPlan {
  // Not installed, or no verdict: codex's own sandbox, as before; failed edits still fail the attempt.
  if (codex.state !== 'broken') return { use: 'codex' };
  if (confinement.state === 'works') return { use: 'todone' };
  return {
    use: 'none',
    message:
      `codex's sandbox does not work on this host (${codex.reason}) and Todone cannot confine codex with bubblewrap either (${confinement.reason}): ` +
      'its edits would fail while it reports success. Install bubblewrap where user namespaces are allowed, ' +
      "or choose codex's sandbox in the agent's args (e.g. --dangerously-bypass-approvals-and-sandbox, only on a machine you trust).",
  };
}

/** Flags with which a board picks codex's sandbox itself. */
const SANDBOX_FLAGS = new Set([
  '--sandbox',
  '-s',
  '--full-auto',
  '--dangerously-bypass-approvals-and-sandbox',
  '--yolo',
]);

export function boardChoosesCodexSandbox(args: readonly string[]): boolean {
  return args.some(
    (arg, i) =>
      SANDBOX_FLAGS.has(arg) ||
      arg.startsWith('--sandbox=') ||
      (/^(-c|--config)$/.test(args[i - 1] ?? '') && /^sandbox_mode\s*=/.test(arg)) ||
      /^--config=sandbox_mode\s*=/.test(arg),
  );
}

/** One line for `todone worker` and `todone run`: what was found and what codex tasks will get. */
export function describeCodexSandbox(codex: ProbeResult, confinement: ProbeResult): string {
  switch (codex.state) {
    case 'works':
      return "Codex sandbox: works on this host; codex tasks run in codex's own workspace-write sandbox.";
    case 'missing':
      return `Codex sandbox: not probed, ${codex.reason}.`;
    case 'unknown':
      return `Codex sandbox: could not tell (${codex.reason}); codex tasks use codex's own sandbox, and edits that fail fail their attempt.`;
    case 'broken':
      if (confinement.state === 'works') {
        return `Codex sandbox: does not work on this host (${codex.reason}); codex tasks run with codex's sandbox off inside Todone's bubblewrap confinement (writable: the task's worktree and folders only).`;
      }
      return `Codex sandbox: does not work on this host (${codex.reason}), and bubblewrap cannot confine codex either (${confinement.reason}): codex tasks are refused until one of them works (or the board sets codex's sandbox in the agent's args).`;
  }
}
