/**
 * `npm run chaos`, shortened for `npm test`: two minutes of random faults (every kind, a fault
 * every ~2.5 s) on two `todone worker`s, a `--no-worker` submitter and the dev server, over git
 * boards of 40 tasks, then every invariant. The seed is fixed so a failure can be run again
 * (`CHAOS_SEED` picks another); the report is printed when an invariant breaks.
 *
 * `npm test` runs it last, on its own once the suite has finished: its faults are timed against a
 * 3 s heartbeat timeout, which the suite sharing two cores would starve live workers past
 * (`vitest run` skips it without TODONE_CHAOS_TEST=1; `npm run test:chaos` runs only it).
 */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS } from '../../bench/chaos/fault-kinds.js';
import { formatReport } from '../../bench/chaos/report.js';
import { runChaos } from '../../bench/chaos/run.js';

const SEED = Number(process.env.CHAOS_SEED ?? 23);
// Disk faults mount a tmpfs, which needs root (as CI and this project's machines are).
const canMount = process.getuid?.() === 0;

describe.runIf(process.env.TODONE_CHAOS_TEST === '1')('chaos: faults at random for two minutes', () => {
  it(
    'loses nothing and runs nothing twice',
    async () => {
      const log: string[] = [];
      const report = await runChaos(
        {
          minutes: 2,
          seed: SEED,
          workers: 2,
          everySeconds: 2.5,
          tasks: 40,
          faults: FAULT_KINDS.filter((k) => canMount || k !== 'disk-full'),
          keep: false,
          json: false,
        },
        (line) => log.push(line),
      );
      const text = `${formatReport(report)}\n${log.slice(-40).join('\n')}`;
      expect(
        report.checks.filter((c) => c.violations.length > 0),
        text,
      ).toEqual([]);
      expect(report.skipped, text).toEqual([]);
      expect(report.faults.length, text).toBeGreaterThanOrEqual(20);
      expect(report.passed, text).toBe(true);
    },
    15 * 60_000,
  );
});
