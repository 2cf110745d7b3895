/**
 * Determinism: the workflow code must replay recorded histories without a single different
 * command. The committed fixtures were recorded from earlier versions of the code (set
 * TODONE_RECORD_HISTORIES=1 to refresh them deliberately); a change that breaks their replay
 * would break every board in flight when a worker is upgraded.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { execa } from 'execa';
import { inject } from 'vitest';
import { locateTemporalCli } from '../../temporal/temporal-cli.js';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boardWorkflowId } from '../../workflows/api.js';
import { workflowsEntry } from '../../worker/workflow-code.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';

const fixtures = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
let h: Harness;
let code: string;
beforeAll(async () => {
  h = await createHarness();
  ({ code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } }));
});
afterAll(async () => h?.close());

async function recordBoard(name: string) {
  const workdir = await h.tempDir();
  const board = makeBoard(`${name}-${randomUUID().slice(0, 8)}`, workdir, [
    { id: 'a', command: 'true' },
    { id: 'b', dependsOn: ['a'], command: '[ "$TODONE_ATTEMPT" -ge 2 ]', retry: { maxAttempts: 3, initialIntervalMs: 50 } },
    { id: 'c', dependsOn: ['a'], command: 'exit 1', retry: { maxAttempts: 1 } },
    { id: 'd', dependsOn: ['b', 'c'], command: 'true' },
    { id: 'e', command: 'true' },
  ], { maxParallel: 2 });
  const result = await h.run(board);
  expect(result.tasks.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'failed', 'skipped', 'succeeded']);
  return { board, history: await h.client.workflow.getHandle(boardWorkflowId(board.id)).fetchHistory() };
}

describe('replay', () => {
  it('replays a history recorded just now', async () => {
    const { history } = await recordBoard('replay-fresh');
    await Worker.runReplayHistory({ workflowBundle: { code }, replayName: 'fresh' }, history);
  });

  it('replays every committed history fixture', async () => {
    if (process.env.TODONE_RECORD_HISTORIES === '1') {
      // The CLI's JSON is the format Temporal's tools and historyFromJSON agree on.
      const { board } = await recordBoard('replay-fixture');
      const cli = (await locateTemporalCli())!.path;
      const args = ['workflow', 'show', '--address', inject('temporalAddress'), '--workflow-id', boardWorkflowId(board.id), '--output', 'json'];
      const { stdout } = await execa(cli, args);
      await fs.writeFile(path.join(fixtures, 'retry-failure-skip.json'), stdout);
    }
    const files = (await fs.readdir(fixtures)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await fs.readFile(path.join(fixtures, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle: { code }, replayName: file }, history);
    }
  });
});
