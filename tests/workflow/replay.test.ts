/**
 * Determinism: the workflow code must replay recorded histories without a single different
 * command, or every board in flight breaks when its worker is upgraded. The corpus
 * (tests/fixtures/histories) holds one history per path of the workflow, recorded from real runs
 * by earlier versions of the code; each is replayed against the current workflows/. Refresh it
 * deliberately with TODONE_RECORD_HISTORIES=1 (docs/ARCHITECTURE.md, "Changing workflow code").
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRunHistories } from '../../src/client/board-history.js';
import { todoneVersion } from '../../src/version.js';
import { replayRuns, type ReplayOutcome } from '../../worker/replay.js';
import { workflowsEntry } from '../../worker/workflow-code.js';
import { readCorpusEntry, recordedScenarios, writeCorpusEntry } from '../support/history-corpus.js';
import { HISTORY_SCENARIOS } from '../support/history-scenarios.js';
import { createHarness, type Harness } from '../support/harness.js';

const RECORD = process.env.TODONE_RECORD_HISTORIES === '1';
const noop = () => undefined;

let h: Harness;
let code: string;
beforeAll(async () => {
  h = await createHarness();
  ({ code } = await bundleWorkflowCode({
    workflowsPath: workflowsEntry(),
    logger: { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop },
  }));
});
afterAll(async () => h?.close());

function diverged(outcomes: ReplayOutcome[]): string[] {
  return outcomes.flatMap((o, i) =>
    o.divergence ? [`run ${i + 1} of ${outcomes.length} (${o.runId}): ${o.divergence.message}`] : [],
  );
}

describe('replay', () => {
  it('replays a history recorded just now', async () => {
    const scenario = HISTORY_SCENARIOS.find((s) => s.name === 'plain-retry-failure-skip')!;
    const workflowId = await scenario.run(h);
    const outcomes = await replayRuns(await fetchRunHistories(h.client, workflowId, 'chain'), {
      workflowBundle: { code },
    });
    expect(diverged(outcomes)).toEqual([]);
  });
});

describe.runIf(RECORD)('recording the corpus (TODONE_RECORD_HISTORIES=1)', () => {
  for (const scenario of HISTORY_SCENARIOS) {
    it(`records ${scenario.name}`, async () => {
      const workflowId = await scenario.run(h);
      const runs = await fetchRunHistories(h.client, workflowId, 'chain');
      // A recording that does not replay on the code that made it is no fixture.
      expect(diverged(await replayRuns(runs, { workflowBundle: { code } }))).toEqual([]);
      writeCorpusEntry(scenario.name, scenario.about, `todone ${todoneVersion()}`, runs);
    });
  }
});

describe('the history corpus replays on the current workflow code', () => {
  // Files recorded by older versions for paths no scenario records any more stay in the corpus.
  const names = [...new Set([...HISTORY_SCENARIOS.map((s) => s.name), ...recordedScenarios()])].sort();
  let replayed: Promise<Map<string, ReplayOutcome[]>> | undefined;
  // One replay worker for the whole corpus, started after any recording above has written its file.
  const replayCorpus = async (): Promise<Map<string, ReplayOutcome[]>> => {
    const entries = names.flatMap((name) => {
      try {
        return [readCorpusEntry(name)];
      } catch {
        return [];
      }
    });
    const outcomes = await replayRuns(
      entries.flatMap((e) => e.runs),
      { workflowBundle: { code } },
    );
    let next = 0;
    return new Map(entries.map((e) => [e.scenario, outcomes.slice(next, (next += e.runs.length))]));
  };

  for (const name of names) {
    it(name, async () => {
      const entry = readCorpusEntry(name);
      expect(entry.runs.length).toBeGreaterThan(0);
      const outcomes = (await (replayed ??= replayCorpus())).get(name)!;
      expect(outcomes).toHaveLength(entry.runs.length);
      expect(diverged(outcomes), `${name} no longer replays`).toEqual([]);
    });
  }
});
