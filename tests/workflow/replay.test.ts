/**
 * Determinism: the workflow code must replay recorded histories without a single different
 * command, or every board in flight breaks when its worker is upgraded. The corpus
 * (tests/fixtures/histories) holds one history per path of the workflow, recorded from real runs
 * by earlier versions of the code; each is replayed against the current workflows/. Refresh it
 * deliberately with TODONE_RECORD_HISTORIES (docs/ARCHITECTURE.md, "Changing workflow code"): `1`
 * records every scenario, `missing` only those with no file yet, `a,b` the scenarios named.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRunHistories } from '../../src/client/board-history.js';
import { todoneVersion } from '../../src/version.js';
import { replayRuns, type ReplayOutcome } from '../../worker/replay.js';
import { corpusFile, readCorpusEntry, recordedScenarios, writeCorpusEntry } from '../support/history-corpus.js';
import { HISTORY_SCENARIOS, type HistoryScenario } from '../support/history-scenarios.js';
import { createHarness, type Harness } from '../support/harness.js';

const TO_RECORD = scenariosToRecord(process.env.TODONE_RECORD_HISTORIES);

let h: Harness;
let code: string;
beforeAll(async () => {
  h = await createHarness();
  code = h.workflowCode;
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

/** What TODONE_RECORD_HISTORIES asks for; a name no scenario has is refused, not ignored. */
function scenariosToRecord(asked: string | undefined): HistoryScenario[] {
  if (!asked || asked === '0') return [];
  if (asked === '1') return HISTORY_SCENARIOS;
  if (asked === 'missing') return HISTORY_SCENARIOS.filter((s) => !fs.existsSync(corpusFile(s.name)));
  const names = asked.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !HISTORY_SCENARIOS.some((s) => s.name === name));
  if (unknown.length)
    throw new Error(
      `TODONE_RECORD_HISTORIES names no scenario ${unknown.map((n) => `"${n}"`).join(', ')}: give 1, missing, or names from tests/support/history-scenarios.ts`,
    );
  return HISTORY_SCENARIOS.filter((s) => names.includes(s.name));
}

describe.runIf(TO_RECORD.length > 0)('recording the corpus (TODONE_RECORD_HISTORIES)', () => {
  for (const scenario of TO_RECORD) {
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
