/** The run's report: what was injected, what was checked, what broke (a count and the first examples). */
import { FAULT_KINDS } from './fault-kinds.js';
import type { ChaosReport } from './run.js';

const EXAMPLES = 3;

export function formatReport(r: ChaosReport): string {
  const lines: string[] = [];
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' ');
  lines.push(
    `Chaos run, seed ${r.seed}: ${r.minutes} min of faults (one every ~${r.everySeconds} s) on ${r.workers} worker(s), ${r.wallSeconds.toFixed(0)} s in all.`,
    `Load average: ${load(r.loadBefore)} before, ${load(r.loadAfter)} after.`,
    `Boards: ${r.boards.length} (${r.boards.reduce((n, b) => n + b.tasks, 0)} tasks): ` +
      r.boards.map((b) => `${b.id} ${b.state} in ${b.seconds.toFixed(0)} s`).join(', '),
  );
  const byKind = FAULT_KINDS.map((k) => `${k} ${r.faults.filter((f) => f.kind === k).length}`);
  lines.push(
    `Faults injected: ${r.faults.length} (${byKind.join(', ')}); the submitter was started again ${r.submitterRestarts} time(s).`,
  );
  for (const s of r.skipped) lines.push(`Not injected: ${s}`);
  lines.push('Invariants:');
  for (const c of r.checks) {
    const mark = c.violations.length === 0 ? 'ok  ' : 'FAIL';
    lines.push(
      `  ${mark} ${c.name}: ${c.checked} checked, ${c.violations.length} violation(s)${c.detail ? `; ${c.detail}` : ''} — ${c.what}`,
    );
    for (const v of c.violations.slice(0, EXAMPLES)) lines.push(`         ${v}`);
    if (c.violations.length > EXAMPLES) lines.push(`         … and ${c.violations.length - EXAMPLES} more`);
  }
  lines.push(r.passed ? `PASSED (seed ${r.seed})` : `FAILED (seed ${r.seed}); the run's folder: ${r.folder}`);
  return lines.join('\n') + '\n';
}
