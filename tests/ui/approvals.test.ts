/**
 * Approval gates decided from the web board, through the real `todone ui` server, a real worker
 * and the suite's dev server: the server's API refuses a decision without its token or a rejection
 * without a comment (naming the field, nothing sent to the board), a rejection's comment reaches
 * the task's next run (TODONE_FEEDBACK and its prompt), and in a real browser the task panel shows
 * what the task waits for and its Approve button lets the work in.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../src/core/board.js';
import { requester } from '../../src/client/board-client.js';
import { newToken } from '../../src/server/guard.js';
import { startUiServer } from '../../src/ui/server.js';
import { axeViolations } from '../support/axe.js';
import { waitForStatus } from '../support/board-status.js';
import { makeBoard, makeTask } from '../support/boards.js';
import { countRuns } from '../support/evidence.js';
import { createHarness, type Harness } from '../support/harness.js';
import { findTool, skipWithout } from '../support/test-tools.js';

// The page's part needs Debian's chromium; off CI a machine without it approves through the API instead, saying so.
const noBrowser = skipWithout('chromium');
const WAIT = { timeout: 30_000 };
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => harness?.close());

/** Counts its runs and keeps what each run was told: its feedback variable and its prompt. */
const recording = (task: string) =>
  `n=$(($(cat ${task}.runs 2>/dev/null | wc -l) + 1)); echo run >> ${task}.runs; ` +
  `printf '%s' "$TODONE_FEEDBACK" > ${task}.feedback-$n; cp "$TODONE_PROMPT_FILE" ${task}.prompt-$n`;

describe('approval gates on the web board', () => {
  it('are refused without the token or a reason, sent back with a comment, and approved from the page', async () => {
    const dir = await harness.tempDir();
    const id = `ui-gate-${randomUUID().slice(0, 8)}`;
    const board = makeBoard(id, dir, []);
    const gated: TaskSpec = { ...makeTask({ id: 'build', command: recording('build') }), approval: { before: false } };
    board.tasks.push(gated, makeTask({ id: 'ship', dependsOn: ['build'], command: 'touch ship.done' }));

    await harness.withWorker(async (boards) => {
      const { handle } = await boards.startOrAttach(board);
      const token = newToken();
      const server = await startUiServer({ boards, home: harness.home, port: 0, token, intervalMs: 250 });
      try {
        const waiting = (runs: number) =>
          waitForStatus(boards, id, `build to wait for approval after run ${runs}`, (s) =>
            s.tasks.some((t) => t.id === 'build' && t.state === 'awaiting-approval' && t.attempts === runs),
          );
        await waiting(1);
        const action = (what: string, body: unknown, headers: Record<string, string> = {}) =>
          fetch(`${server.url}/api/boards/${id}/tasks/build/${what}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
            body: JSON.stringify(body),
          });

        // No token, a wrong token: refused before anything reaches the board.
        const anonymous = await fetch(`${server.url}/api/boards/${id}/tasks/build/approve`, { method: 'POST' });
        expect(anonymous.status).toBe(401);
        expect((await action('approve', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
        // Bad bodies are refused naming the field; the task still waits.
        const reasons = async (response: Response) => {
          expect(response.status).toBe(400);
          return ((await response.json()) as { error: string }).error;
        };
        expect(await reasons(await action('reject', {}))).toContain('comment: a rejection says why');
        expect(await reasons(await action('reject', { comment: '   ' }))).toContain('comment: a rejection says why');
        expect(await reasons(await action('reject', { comment: 'x', final: 'yes' }))).toContain(
          'final: expected true or false',
        );
        expect(await reasons(await action('approve', { comment: 42 }))).toContain('comment: expected text');
        expect(await reasons(await action('approve', { comment: 'x'.repeat(9_000) }))).toContain(
          'comment: expected text of at most 8000 characters',
        );
        // A control character passes the page's check and is refused by the board's validator.
        expect(await reasons(await action('approve', { comment: 'ok\u0000' }))).toMatch(/comment/);
        expect(await countRuns(dir, 'build')).toBe(1);

        // Sent back from the page: the next run is told why.
        const comment = 'Rename the flag; "quotes" and $HOME stay as written.';
        const rejected = await action('reject', { comment });
        expect(rejected.status).toBe(200);
        expect(((await rejected.json()) as { message: string }).message).toBe(
          'Sent "build" back with your comment: it runs again, then waits for approval again.',
        );
        await waiting(2);
        expect(await fsp.readFile(path.join(dir, 'build.feedback-2'), 'utf8')).toBe(comment);
        expect(await fsp.readFile(path.join(dir, 'build.prompt-2'), 'utf8')).toContain(comment);
        expect(fs.existsSync(path.join(dir, 'ship.done'))).toBe(false);

        if (!noBrowser) {
          // The page: the panel says what the task waits for, and Approve lets its work in.
          const browser = await chromium.launch({ executablePath: findTool('chromium'), args: ['--no-sandbox'] });
          try {
            fs.mkdirSync(ARTIFACTS, { recursive: true });
            const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
            await page.goto(server.pageUrl(id));
            await page.waitForSelector('#graph g.node.s-awaiting-approval[data-task="build"]', WAIT);
            await page.click('#graph g.node[data-task="build"]');
            await page
              .locator('#decision-wait', { hasText: 'Its work passed its checks and waits for your approval to go in' })
              .waitFor(WAIT);
            // It can be cancelled while it waits, like a pending task.
            expect(await page.isEnabled('#task-cancel')).toBe(true);
            // Labels, contrast and roles of the decision form too.
            expect(await axeViolations(page)).toEqual([]);
            await page.screenshot({ path: path.join(ARTIFACTS, 'web-board-approval.png') });
            await page.fill('#decision-comment', 'good now');
            await page.click('#task-approve');
            await page.locator('#toast', { hasText: 'Approved "build"' }).waitFor(WAIT);
            await page.waitForSelector('#graph g.node.s-succeeded[data-task="ship"]', WAIT);
          } finally {
            await browser.close();
          }
        } else {
          expect((await action('approve', { comment: 'good now' })).status).toBe(200);
        }

        const result = await handle.result();
        expect(result.state).toBe('completed');
        expect(fs.existsSync(path.join(dir, 'ship.done'))).toBe(true);
        expect(await countRuns(dir, 'build')).toBe(2);
        const build = result.tasks.find((t) => t.id === 'build')!;
        expect(build.decisions).toEqual([
          expect.objectContaining({ decision: 'reject', by: `${requester()} via web board`, comment }),
          expect.objectContaining({ decision: 'approve', by: `${requester()} via web board`, comment: 'good now' }),
        ]);
      } finally {
        await server.close();
      }
    });
  });
});
