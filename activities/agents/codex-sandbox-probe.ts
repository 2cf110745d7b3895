/**
 * Whether Codex CLI's own sandbox works on this host, asked of codex itself: `codex sandbox` runs a
 * trivial command under the same workspace-write policy `codex exec` gets. Where it cannot set up
 * (no user namespaces in a container, some kernels), every edit codex makes fails while codex still
 * exits 0, so this is found out before any task runs. It runs with the worker's own CODEX_HOME,
 * as codex tasks do: codex keeps its sandbox helper there, and refuses to under a temp folder.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lastLine, runBounded } from '../process/run-bounded.js';
import { PROBE_TIMEOUT_MS, type ProbeResult } from '../process/sandbox.js';

export async function probeCodexSandbox(bin = 'codex', timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-codex-probe-'));
  try {
    const work = path.join(root, 'work');
    await fs.mkdir(work);
    const run = await runBounded(
      bin,
      ['sandbox', '-c', 'sandbox_mode="workspace-write"', '--', '/bin/sh', '-c', 'echo ok > probe'],
      {
        cwd: work,
        timeoutMs,
      },
    );
    if (run.spawnError) return { state: 'missing', reason: `${bin} could not be run (${run.spawnError})` };
    if (run.timedOut)
      return { state: 'unknown', reason: `\`${bin} sandbox\` did not answer within ${timeoutMs / 1000}s` };
    // A codex without the `sandbox` command cannot be asked; its exec may still sandbox fine.
    if (/unrecognized subcommand|unexpected argument/i.test(run.output))
      return { state: 'unknown', reason: `${bin} has no \`sandbox\` command to probe with` };
    const wrote = await fs.readFile(path.join(work, 'probe'), 'utf8').catch(() => '');
    if (run.exitCode === 0 && wrote === 'ok\n') return { state: 'works' };
    return {
      state: 'broken',
      reason: sandboxError(run.output) ?? `\`${bin} sandbox\` exited with code ${run.exitCode}`,
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** Codex prints warnings of its own first; the sandbox's complaint is the line worth showing. */
function sandboxError(output: string): string | undefined {
  const lines = output.split('\n').map((line) => line.trim());
  return (
    lines.find((line) => /^bwrap:|landlock|seccomp|sandbox/i.test(line) && !/^WARNING/.test(line)) ??
    (lastLine(output) || undefined)
  );
}
