/**
 * Secrets stay out of Temporal: a board that refers to a key by name (`{ fromEnv }`) runs a task
 * that prints the key every way it can (whole, split across writes, on stderr, through a check
 * that fails); the value is in none of the workflow history's payloads, the result, the status,
 * the logs, the prompts or the payload store, while the task did get it. A worker variable the board
 * never names reaches no task at all, and one it passes by name is redacted like a reference.
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
/** Canaries in the worker's environment that no board refers to: one looks secret, one does not. */
const CANARY_TOKEN = 'TODONE_TEST_CANARY_TOKEN';
const CANARY_PLAIN = 'TODONE_TEST_CANARY_PLAIN';
const CANARY = `canary-${randomUUID()}`;
const PLAIN = `plain-${randomUUID()}`;

let h: Harness;
beforeAll(async () => {
  // The in-process worker reads references from its own environment, as `todone worker` does.
  process.env[WORKER_VARIABLE] = SECRET;
  process.env[CANARY_TOKEN] = CANARY;
  process.env[CANARY_PLAIN] = PLAIN;
  h = await createHarness();
});
afterAll(async () => {
  for (const name of [WORKER_VARIABLE, CANARY_TOKEN, CANARY_PLAIN]) delete process.env[name];
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

describe('the worker’s own environment', () => {
  it('reaches no task unless passed by name, and a secret-looking value passed is redacted everywhere', async () => {
    const workdir = await h.tempDir('todone-canary-work-');
    // Its own environment, and that of every process it can see.
    const dump = 'env; echo ---; cat /proc/[0-9]*/environ 2>/dev/null | tr "\\0" "\\n"';
    const board = normaliseBoard(
      {
        name: `canary-${randomUUID().slice(0, 8)}`,
        tasks: [
          { id: 'confined', agent: dump },
          { id: 'unconfined', agent: dump, sandbox: 'none' },
          {
            id: 'passed',
            agent: `echo "token $${CANARY_TOKEN} plain $${CANARY_PLAIN}"; echo "$${CANARY_TOKEN}" > got.txt`,
            passEnv: [CANARY_TOKEN, CANARY_PLAIN],
          },
        ],
      },
      { source: 'test', baseDir: workdir },
    );
    let status: BoardStatus | undefined;
    const result = await h.run(board, async (boards) => {
      status = await boards.client.workflow.getHandle(boardWorkflowId(board.id)).query(statusQuery);
    });
    expect(result.tasks.map((t) => [t.id, t.state])).toEqual([
      ['confined', 'succeeded'],
      ['unconfined', 'succeeded'],
      ['passed', 'succeeded'],
    ]);
    const logOf = (id: string) => fs.readFile(result.tasks.find((t) => t.id === id)!.logPath!, 'utf8');
    const confined = await logOf('confined');
    expect(confined).toContain('PATH=');
    expect(confined).not.toContain(CANARY_TOKEN);
    expect(confined).not.toContain(CANARY_PLAIN);
    expect(confined).not.toContain('TEMPORAL_');
    // Unconfined, its environment is as minimal (what else it can read, it reads with your rights).
    const [ownEnv] = (await logOf('unconfined')).split('---\n') as [string];
    expect(ownEnv).toContain('PATH=');
    expect(ownEnv).not.toContain(CANARY_TOKEN);
    expect(ownEnv).not.toContain(CANARY_PLAIN);

    const passed = await logOf('passed');
    expect(passed).toContain(`token [secret ${CANARY_TOKEN} redacted] plain ${PLAIN}`);
    expect(await fs.readFile(path.join(workdir, 'got.txt'), 'utf8')).toBe(`${CANARY}\n`);

    const history = await h.client.workflow.getHandle(boardWorkflowId(board.id)).fetchHistory();
    expect(textOf(history)).not.toContain(CANARY);
    expect(JSON.stringify(result)).not.toContain(CANARY);
    expect(JSON.stringify(status)).not.toContain(CANARY);
    expect(await filesContaining(h.home, CANARY)).toEqual([]);
  });
});
