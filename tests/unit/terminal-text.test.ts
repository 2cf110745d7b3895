/**
 * What a board or a task said reaches the terminal as text, never as a command to it: escape
 * sequences (CSI, OSC links and titles, with either terminator) and other control characters go,
 * line feeds, tabs and every printable character stay. The formatters apply it at their entry.
 */
import { describe, expect, it } from 'vitest';
import { formatResult, formatTaskTable } from '../../src/cli/format/task-table.js';
import { terminalSafe, terminalText } from '../../src/cli/format/terminal-text.js';
import type { BoardResult } from '../../src/core/run-state.js';

// Control characters are what these tests look for.
/* eslint-disable no-control-regex */
const ESC = '\u001b';
const hostile = [
  `${ESC}[2J${ESC}[H`, // clear the screen, cursor home
  `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, // OSC 8 link, ST terminated
  `${ESC}]0;owned\u0007`, // window title, BEL terminated
  `${ESC}[31mred${ESC}[0m`,
  'over\rwrite',
  'back\bspace',
  '\u009b31mC1 CSI',
  'nul\u0000here',
].join(' | ');

describe('terminalText', () => {
  it('removes escape sequences and control characters, and keeps the text, line feeds and tabs', () => {
    const safe = terminalText(`${hostile}\n\tnext line: naïve 日本 🚀`);
    expect(safe).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(safe).toContain('click');
    expect(safe).toContain('red');
    expect(safe).toContain('\n\tnext line: naïve 日本 🚀');
    expect(safe).not.toContain('evil.example');
    expect(safe).not.toContain('owned');
  });

  it('reaches every string of a value, however deep', () => {
    const value = { a: [{ b: `x${ESC}[1my` }], n: 3, ok: true, none: null };
    expect(terminalSafe(value)).toEqual({ a: [{ b: 'xy' }], n: 3, ok: true, none: null });
  });

  it('is applied by the formatters to what tasks reported', () => {
    const result: BoardResult = {
      boardId: 'b',
      name: `board${ESC}]0;title\u0007`,
      policy: 'eager',
      maxParallel: 1,
      state: 'failed',
      startedAt: 0,
      endedAt: 1,
      counts: { total: 1, pending: 0, running: 0, succeeded: 0, failed: 1, conflicted: 0, skipped: 0, cancelled: 0 },
      tasks: [{ id: 't', state: 'failed', attempts: 1, reason: hostile, outputTail: hostile, logPath: `/l${ESC}[2J` }],
      metrics: {
        totalTasks: 1,
        completedTasks: 0,
        failedTasks: 1,
        conflictedTasks: 0,
        skippedTasks: 0,
        cancelledTasks: 0,
        keptTasks: 0,
        executionTimeMs: 1,
        sumOfTaskDurationsMs: 0,
        parallelizationFactor: 0,
      },
    };
    const printed = formatResult(result) + formatTaskTable(result.tasks);
    // picocolors adds SGR colours of its own on a terminal; with NO_COLOR (the tests) none at all.
    expect(printed.replace(/\u001b\[[0-9;]*m/g, '')).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(printed).not.toContain('evil.example');
  });
});
