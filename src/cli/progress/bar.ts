/** The one-line progress picture: a bar, counts, rate and ETA. Plain text; the caller colours nothing it cannot strip. */
import pc from 'picocolors';
import { formatDuration } from '../../core/duration.js';
import type { BoardCounts } from '../../core/run-state.js';
import { finishedCount } from './rate.js';

export interface ProgressFigures {
  counts: BoardCounts;
  perSecond?: number;
  etaMs?: number;
  elapsedMs: number;
}

export function progressBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

export function rateText(perSecond: number | undefined): string {
  if (perSecond === undefined) return 'rate —';
  if (perSecond >= 1) return `${perSecond.toFixed(1)} tasks/s`;
  if (perSecond > 0) return `${(perSecond * 60).toFixed(1)} tasks/min`;
  return '0 tasks/s';
}

export function etaText(etaMs: number | undefined): string {
  return etaMs === undefined ? 'ETA —' : `ETA ${formatDuration(etaMs)}`;
}

/** `12/40 30% · 3 running · 24 pending · 1 failed · 2.0 tasks/s · ETA 14s · 6.02s elapsed` */
export function progressFigures(f: ProgressFigures): string {
  const c = f.counts;
  const done = finishedCount(c);
  const pct = c.total > 0 ? Math.floor((done / c.total) * 100) : 100;
  const parts = [
    `${done}/${c.total} ${pct}%`,
    `${c.running} running`,
    c.awaitingApproval ? pc.yellow(`${c.awaitingApproval} awaiting approval`) : '',
    `${c.pending} pending`,
    c.failed ? pc.red(`${c.failed} failed`) : '',
    c.conflicted ? pc.red(`${c.conflicted} conflicted`) : '',
    c.skipped ? pc.yellow(`${c.skipped} skipped`) : '',
    c.cancelled ? pc.magenta(`${c.cancelled} cancelled`) : '',
    rateText(f.perSecond),
    etaText(f.etaMs),
    `${formatDuration(f.elapsedMs)} elapsed`,
  ];
  return parts.filter(Boolean).join(' · ');
}
