/**
 * The replay corpus on disk: tests/fixtures/histories/<scenario>.json. A file holds every run of
 * one board's chain, each run's history in the JSON form Temporal's own tools write (so
 * `temporal workflow show --output json` files fit as they are: a file holding one history is a
 * chain of one run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { RunHistory } from '../../src/client/board-history.js';

export const CORPUS_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

interface CorpusFile {
  scenario: string;
  about: string;
  recordedBy: string;
  workflowId: string;
  runs: { runId: string; history: unknown }[];
}

export interface CorpusEntry {
  scenario: string;
  file: string;
  runs: RunHistory[];
}

export function corpusFile(scenario: string): string {
  return path.join(CORPUS_DIR, `${scenario}.json`);
}

/** Scenario names of the files on disk, recorded from any version (an older file stays until it is deliberately dropped). */
export function recordedScenarios(): string[] {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

export function readCorpusEntry(scenario: string): CorpusEntry {
  const file = corpusFile(scenario);
  if (!fs.existsSync(file))
    throw new Error(`no recorded history for scenario "${scenario}": record it with TODONE_RECORD_HISTORIES=1`);
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CorpusFile> & { events?: unknown };
  // Replay runs under the board's own workflow id, in case the code ever reads it.
  const workflowId = parsed.workflowId ?? `corpus-${scenario}`;
  if (parsed.events)
    return { scenario, file, runs: [{ workflowId, runId: 'run-1', history: historyFromJSON(parsed) }] };
  return {
    scenario,
    file,
    runs: (parsed.runs ?? []).map((run) => ({ workflowId, runId: run.runId, history: historyFromJSON(run.history) })),
  };
}

export function writeCorpusEntry(scenario: string, about: string, recordedBy: string, runs: RunHistory[]): void {
  const content: CorpusFile = {
    scenario,
    about,
    recordedBy,
    workflowId: runs[0]?.workflowId ?? '',
    runs: runs.map((run) => ({ runId: run.runId, history: JSON.parse(historyToJSON(run.history)) as unknown })),
  };
  fs.writeFileSync(corpusFile(scenario), `${JSON.stringify(content, null, 1)}\n`);
}
