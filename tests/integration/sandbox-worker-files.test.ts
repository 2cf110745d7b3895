/**
 * What the unconfined worker writes never follows a path a confined task controls. A hostile task
 * tries to plant a link at every file the worker writes for the next attempt (its log, prompt,
 * checks' log, unfinished note, pid file, dependency outputs) and is refused each time; the next
 * attempt then writes them all and the link's target is untouched. The task's own output file is
 * read without following a link, only as a regular file, never past its limit. Todone's data folder
 * (other boards' logs and prompts) is out of the task's sight.
 *
 * Under /var/tmp, not /tmp: the sandbox's /tmp is private, and a write there would prove nothing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunTask } from '../../activities/run-task.js';
import { probeConfinement } from '../../activities/process/sandbox.js';
import { MAX_OUTPUT_BYTES } from '../../activities/task-output.js';
import type { RunTaskInput, TaskOutcome } from '../../activities/types.js';
import { FAILURE_TYPES } from '../../workflows/api.js';
import type { AgentSpec } from '../../src/core/board.js';
import { taskDataDir } from '../../src/data-dir.js';
import { failure, taskActivityEnvironment } from '../support/activity-failure.js';
import { bwrapPath } from '../support/tools.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

beforeAll(async () => {
  expect(await probeConfinement(await bwrapPath()), 'bubblewrap works on this host').toEqual({ state: 'works' });
});

interface Box {
  root: string;
  home: string;
  work: string;
  /** What a planted link points at: it must stay as it is. */
  target: string;
}

async function box(): Promise<Box> {
  const root = await fs.mkdtemp('/var/tmp/todone-worker-files-');
  cleanup.push(() => fs.rm(root, { recursive: true, force: true }));
  const home = path.join(root, 'data');
  const work = path.join(root, 'work');
  const target = path.join(root, 'precious.txt');
  await fs.mkdir(work, { recursive: true });
  await fs.writeFile(target, 'precious\n');
  return { root, home, work, target };
}

function shell(command: string, extra: Partial<AgentSpec> = {}): AgentSpec {
  return { kind: 'shell', command, env: {}, sandbox: 'worktree', network: false, ...extra } as AgentSpec;
}

function run(b: Box, agent: AgentSpec, attempt: number, extra: Partial<RunTaskInput> = {}): Promise<TaskOutcome> {
  const env = taskActivityEnvironment({ attempt, heartbeatTimeoutMs: 5_000 });
  return env.run(createRunTask({ home: b.home }), {
    boardId: 'files-board',
    taskId: 't1',
    type: 'build' as const,
    description: 'Plant links.',
    workdir: b.work,
    agent,
    ...extra,
  });
}

describe('the files the worker writes', () => {
  it('cannot be replaced by a link from inside the sandbox, so the next attempt writes only its own files', async () => {
    const b = await box();
    const dir = taskDataDir(b.home, 'files-board', 't1');
    const next = [
      'attempt-2.log',
      'prompt-2.md',
      'validation-2.log',
      'unfinished-2.txt',
      'process.json',
      'dependency-outputs-2.json',
    ];
    // Each plant is tried on its own and its outcome recorded in the worktree.
    const plant = next
      .map((name) => `if ln -sf '${b.target}' '${dir}/${name}' 2>/dev/null; then echo ${name} >> planted; fi`)
      .join('; ');
    const first = await run(b, shell(`${plant}; ls '${dir}' > seen; true`), 1);
    expect(first.exitCode).toBe(0);
    expect(await fs.readFile(path.join(b.work, 'planted'), 'utf8').catch(() => '')).toBe('');
    // It could read the folder (its prompt is there), just not write it.
    expect(await fs.readFile(path.join(b.work, 'seen'), 'utf8')).toContain('prompt-1.md');

    const second = await run(b, shell('echo second attempt'), 2, {
      validate: [{ run: 'echo checked', required: true }],
      dependencies: [{ id: 'dep', description: 'd', files: [], output: { ok: true } }],
    });
    expect(second.exitCode).toBe(0);
    expect(await fs.readFile(b.target, 'utf8')).toBe('precious\n');
    for (const name of ['attempt-2.log', 'prompt-2.md', 'validation-2.log', 'dependency-outputs-2.json']) {
      expect((await fs.lstat(path.join(dir, name))).isFile(), name).toBe(true);
    }
  });

  it('reads a task’s output without following a link, and refuses one', async () => {
    const b = await box();
    const error = await failure(run(b, shell(`ln -s '${b.target}' "$TODONE_OUTPUT"`), 1));
    expect(error.type).toBe(FAILURE_TYPES.taskFailed);
    expect(error.message).toMatch(/^TODONE_OUTPUT \(.*output-1\.json\) is a link: write the output itself there$/);
    expect(await fs.readFile(b.target, 'utf8')).toBe('precious\n');
  });

  it('refuses an output that is a hard link to another file', async () => {
    const b = await box();
    // Inside the sandbox a hard link cannot cross its mounts (EXDEV); unconfined, it can.
    const error = await failure(run(b, shell(`ln '${b.target}' "$TODONE_OUTPUT"`, { sandbox: 'none' }), 1));
    expect(error.message).toMatch(
      /^TODONE_OUTPUT \(.*output-1\.json\) is a hard link to another file: write the output itself there$/,
    );
  });

  it('refuses an output that is a named pipe at once, instead of waiting on it', async () => {
    const b = await box();
    const error = await failure(run(b, shell('mkfifo "$TODONE_OUTPUT"'), 1));
    expect(error.message).toMatch(/is not a regular file: write the output itself there$/);
  });

  it('refuses an output over its limit without reading it whole', async () => {
    const b = await box();
    // A sparse file of a gigabyte: reading it whole would take the worker's memory.
    const error = await failure(run(b, shell('truncate -s 1G "$TODONE_OUTPUT"'), 1));
    expect(error.message).toContain(`is 1073741824 bytes, over the ${MAX_OUTPUT_BYTES}-byte limit`);
  });

  it('keeps Todone’s data folder out of sight: another board’s log cannot be read', async () => {
    const b = await box();
    const other = taskDataDir(b.home, 'other-board', 'x');
    await fs.mkdir(other, { recursive: true });
    await fs.writeFile(path.join(other, 'attempt-1.log'), 'another board’s secrets\n');
    const result = await run(
      b,
      shell(`cat '${other}/attempt-1.log' > read.txt 2>&1; ls '${b.home}/boards' > boards.txt`),
      1,
    );
    expect(result.exitCode).toBe(0);
    expect(await fs.readFile(path.join(b.work, 'read.txt'), 'utf8')).toContain('No such file or directory');
    expect((await fs.readFile(path.join(b.work, 'boards.txt'), 'utf8')).split('\n')).not.toContain('other-board');
  });
});
