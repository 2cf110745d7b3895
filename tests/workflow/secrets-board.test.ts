/**
 * Secrets stay out of Temporal: a board that refers to a key by name (`{ fromEnv }`) runs a task
 * that prints the key every way it can (whole, split across writes, on stderr, through a check
 * that fails); the value is in none of the workflow history's payloads, the result, the status,
 * the logs, the prompts or the payload store, while the task did get it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseBoard } from '../../src/board/load.js';
import type { BoardStatus } from '../../src/core/run-state.js';
import { FAILURE_TYPES } from '../../workflows/api.js';
import { boardWorkflowId, statusQuery } from '../../workflows/api.js';
import { createHarness, type Harness } from '../support/harness.js';
import { filesContaining, textOf } from '../support/secret-search.js';

const SECRET = `sk-test-${randomUUID()}`;
const WORKER_VARIABLE = 'TODONE_TEST_SECRET_FOR_BOARD';

let h: Harness;
beforeAll(async () => {
  // The in-process worker reads references from its own environment, as `todone worker` does.
  process.env[WORKER_VARIABLE] = SECRET;
  h = await createHarness();
});
afterAll(async () => {
  delete process.env[WORKER_VARIABLE];
  await h?.close();
});

// Printed whole, on stderr, split across two writes with a pause between, and into a file a check prints back.
const LEAKY = [
  'echo "key is $MY_API_KEY"',
  'echo "$MY_API_KEY" >&2',
  'printf %s "$(echo "$MY_API_KEY" | cut -c1-12)"',
  'sleep 0.3',
  'echo "$(echo "$MY_API_KEY" | cut -c13-)"',
  'echo "$MY_API_KEY" > leak.txt',
  'echo "the task got the key: $(printf %s "$MY_API_KEY" | wc -c) chars"',
].join('; ');

describe('a board that refers to a secret by name', () => {
  it('runs the task with the value, and the value reaches no history, result, status, log or prompt', async () => {
    const workdir = await h.tempDir('todone-secrets-work-');
    const board = normaliseBoard(
      {
        name: `secrets-${randomUUID().slice(0, 8)}`,
        retry: { maxAttempts: 2, initialInterval: '100ms' },
        tasks: [
          {
            id: 'leaky',
            agent: { kind: 'shell', command: LEAKY, env: { MY_API_KEY: { fromEnv: WORKER_VARIABLE } } },
            validate: ['cat leak.txt; exit 1'],
          },
          {
            id: 'unset',
            agent: {
              kind: 'shell',
              command: 'echo never',
              env: { OTHER_TOKEN: { fromEnv: 'TODONE_TEST_NOT_SET_ANYWHERE' } },
            },
          },
        ],
      },
      { source: 'test', baseDir: workdir },
    );
    let status: BoardStatus | undefined;
    const result = await h.run(board, async (boards) => {
      // The status as a watcher sees it while the checks fail and retry.
      const handle = boards.client.workflow.getHandle(boardWorkflowId(board.id));
      for (let i = 0; i < 200 && !status?.tasks.every((t) => t.state === 'failed'); i++) {
        status = await handle.query(statusQuery);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    const leaky = result.tasks.find((t) => t.id === 'leaky')!;
    expect(leaky.state).toBe('failed');
    expect(leaky.attempts).toBe(2);
    // The check's output, as the next prompt and the result show it: the value replaced by its name.
    expect(leaky.outputTail).toContain('[secret MY_API_KEY redacted]');
    const log = await fs.readFile(leaky.logPath!, 'utf8');
    expect(log).toContain('key is [secret MY_API_KEY redacted]');
    expect(log).toContain(`the task got the key: ${SECRET.length} chars`);
    expect(log.match(/\[secret MY_API_KEY redacted\]/g)).toHaveLength(3);
    // It did get the real value: the file it wrote holds it.
    expect(await fs.readFile(path.join(workdir, 'leak.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(await fs.readFile(leaky.promptPath!, 'utf8')).toContain('[secret MY_API_KEY redacted]');

    const unset = result.tasks.find((t) => t.id === 'unset')!;
    expect(unset).toMatchObject({ state: 'failed', attempts: 1 });
    expect(unset.reason).toContain('OTHER_TOKEN (from TODONE_TEST_NOT_SET_ANYWHERE)');

    const history = await h.client.workflow.getHandle(boardWorkflowId(board.id)).fetchHistory();
    const historyText = textOf(history);
    expect(historyText).toContain(WORKER_VARIABLE);
    expect(historyText).toContain(FAILURE_TYPES.validationFailed);
    expect(historyText).toContain(FAILURE_TYPES.invalidTask);
    expect(historyText).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(status).toBeDefined();
    expect(JSON.stringify(status)).not.toContain(SECRET);
    // Logs, prompts, usage notes, the payload store: nothing in the data folder holds it.
    expect(await filesContaining(h.home, SECRET)).toEqual([]);
  });
});
