/**
 * `todone replay <board>` on the built CLI: a board this version ran replays cleanly; a board
 * whose history a changed build of the workflow made (a lower continue-as-new threshold without
 * patched()) is reported as diverging, naming the run and the event.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { makeBoard } from '../support/boards.js';
import { openBuildWorkers, type BuildWorkers } from '../support/build-workers.js';
import { runCli } from '../support/cli.js';
import { bundleEdited, lowerThresholdUnpatched } from '../support/workflow-builds.js';

let dir: string;
let w: BuildWorkers;
let changed: string;
const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  TODONE_TASK_QUEUE: `cli-${randomUUID()}`,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-replay-'));
  w = await openBuildWorkers();
  changed = await bundleEdited(lowerThresholdUnpatched);
});
afterAll(async () => {
  await w?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

interface ReplayJson {
  scope: string;
  replays: boolean;
  runs: {
    runId: string;
    events: number;
    replays: boolean;
    divergence?: { kind: string; reason: string; message: string };
  }[];
}

describe('todone replay', () => {
  it('says a board run by this version replays cleanly', async () => {
    const id = `replay-ok-${randomUUID().slice(0, 8)}`;
    const file = path.join(dir, `${id}.yaml`);
    await fs.writeFile(
      file,
      `name: ${id}\ntasks:\n  - { id: a, agent: "true" }\n  - { id: b, agent: "true", dependsOn: [a] }\n`,
    );
    const e = env();
    expect((await runCli(['run', file], { env: e })).exitCode).toBe(0);

    const text = await runCli(['replay', file], { env: e });
    expect(text.stderr).toBe('');
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(
      new RegExp(
        `^Replayed board "${id}": its one run \\(\\d+ events\\) against the workflow code of Todone \\S+: replays cleanly\\.$`,
      ),
    );

    const json = await runCli(['replay', id, '--json'], { env: e });
    expect(json.exitCode).toBe(0);
    const parsed = JSON.parse(json.stdout) as ReplayJson;
    expect(parsed).toMatchObject({ scope: 'chain', replays: true, runs: [{ replays: true }] });
    expect(parsed.runs[0]!.events).toBeGreaterThan(10);
  });

  it('names the first divergence of a history a changed build made, and exits 1', async () => {
    const taskQueue = `replay-changed-${randomUUID()}`;
    const board = makeBoard(`replay-changed-${randomUUID().slice(0, 8)}`, await w.tempDir(), [
      { id: 'one', command: 'true' },
      { id: 'two', dependsOn: ['one'], command: 'true' },
      { id: 'three', dependsOn: ['two'], command: 'true' },
    ]);
    const worker = await w.start(changed, taskQueue);
    const { handle } = await w.boards(taskQueue).startOrAttach(board);
    expect((await handle.result()).state).toBe('completed');
    await worker.stop();

    // The changed build continued as new after each task (three runs) where this one starts the next task.
    const text = await runCli(['replay', board.id], { env: env() });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain(`Replayed board "${board.id}": all 3 runs of its chain`);
    expect(text.stdout).toContain('it does NOT replay.');
    expect(text.stdout).toMatch(
      /First divergence, in run 1 of 3 \(\S+\): the code decides differently than the history records:\n {2}\[TMPRL1100\] Nondeterminism error: .*WorkflowExecutionContinuedAsNew/,
    );

    const json = JSON.parse((await runCli(['replay', board.id, '--json'], { env: env() })).stdout) as ReplayJson;
    expect(json.replays).toBe(false);
    expect(json.runs.map((r) => r.divergence?.kind)).toEqual(['nondeterminism', 'nondeterminism', undefined]);

    // The latest run alone (one task, then done) makes the same decisions on either build.
    const latest = await runCli(['replay', board.id, '--latest'], { env: env() });
    expect(latest.exitCode).toBe(0);
    expect(latest.stdout).toMatch(/^Replayed the latest run of board .*: replays cleanly\./);
  });

  it('says so when the board does not exist', async () => {
    const result = await runCli(['replay', 'no-such-board'], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('no board "no-such-board"');
  });
});
