/**
 * The web board in a real browser (Debian's chromium driven by playwright-core, never a download)
 * against the suite's dev server, a real worker and a running board: tasks change state on the
 * page as they run, a task's log opens, a task is cancelled from the page, the keyboard reaches
 * tasks, axe-core finds no accessibility violations, and the server refuses reads and actions
 * without its token or from a foreign Host or Origin. The page sends the token in a header on every
 * request, its live feed included, and never in a URL; a page opened without it asks for it.
 * Screenshots go to test-artifacts/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newToken } from '../../src/server/guard.js';
import { startUiServer, type RunningUiServer } from '../../src/ui/server.js';
import { axeViolations } from '../support/axe.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { findTool, skipWithout } from '../support/test-tools.js';
import { waitFor } from '../support/wait-for.js';

// Debian's chromium wherever PATH has it; off CI a machine without it skips this file, saying so.
const skip = skipWithout('chromium');
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const WAIT = { timeout: 30_000 };

let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  harness = await createHarness();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Running as root in a container: chromium's own sandbox needs user namespaces it may not have.
  browser = await chromium.launch({ executablePath: findTool('chromium'), args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

describe.skipIf(skip)('todone ui in a browser', () => {
  it('shows a running board live, opens a log, cancels a task from the page, and guards its actions', async () => {
    const dir = await harness.tempDir();
    const id = `web-${Date.now()}`;
    const work = (name: string, seconds: number) => `echo "${name} is working"; sleep ${seconds}; echo "${name} done"`;
    const board = makeBoard(
      id,
      dir,
      [
        { id: 'setup', command: work('setup', 0.5), estimateMs: 1_000 },
        { id: 'parse', dependsOn: ['setup'], command: work('parse', 1), estimateMs: 2_000 },
        { id: 'lint', dependsOn: ['setup'], command: work('lint', 0.5), estimateMs: 1_000 },
        { id: 'docs', command: work('docs', 1.5), estimateMs: 2_000 },
        { id: 'slow', dependsOn: ['setup'], command: work('slow', 120), estimateMs: 5_000 },
        { id: 'eval', dependsOn: ['parse', 'lint'], command: work('eval', 1), estimateMs: 2_000 },
        { id: 'bench', dependsOn: ['slow'], command: work('bench', 1), estimateMs: 2_000 },
        { id: 'report', dependsOn: ['eval', 'docs'], command: work('report', 0.5), estimateMs: 1_000 },
      ],
      { maxParallel: 3 },
    );

    await harness.withWorker(async (boards) => {
      const { handle } = await boards.startOrAttach(board);
      const token = newToken();
      const server: RunningUiServer = await startUiServer({
        boards,
        home: harness.home,
        port: 0,
        token,
        intervalMs: 250,
        temporalLink: (workflowId) => `http://127.0.0.1:8233/namespaces/default/workflows/${workflowId}`,
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        // Every request the page makes: the token goes in a header, never in a URL.
        const sent: { url: string; authorization?: string }[] = [];
        page.on('request', (request) =>
          sent.push({ url: request.url(), authorization: request.headers()['authorization'] }),
        );
        await page.goto(server.pageUrl(id));
        // The token left the address bar once kept.
        await page.waitForURL((url) => !url.hash.includes('token='), WAIT);

        // Live: the same page sees tasks move from one state to the next, without reloading.
        const node = (task: string, state: string) =>
          page.waitForSelector(`#graph g.node.s-${state}[data-task="${task}"]`, WAIT);
        // The board itself may be slow to get there on a loaded machine: once it is, the page must follow.
        await waitFor(
          'the board to run its slow task',
          async () => (await boards.snapshot(id)).status?.tasks.some((t) => t.id === 'slow' && t.state === 'running'),
          { timeoutMs: 120_000, intervalMs: 200 },
        );
        await node('slow', 'running');
        await node('bench', 'pending');
        await node('eval', 'succeeded');
        await node('report', 'succeeded');
        await shot(page, 'web-board-graph');

        // A second page on the same board shares the server's one follower. Its feed's first
        // connection fails: it says so, connects again and goes live.
        const second = await browser.newPage();
        let feedAttempts = 0;
        await second.route('**/events', (route) => (++feedAttempts === 1 ? route.abort() : route.continue()));
        await second.goto(server.pageUrl(id));
        await second.locator('#connection', { hasText: 'reconnecting…' }).waitFor(WAIT);
        await second.locator('#connection', { hasText: 'live' }).waitFor(WAIT);
        await second.waitForSelector('#graph g.node[data-task="slow"]', WAIT);
        expect(feedAttempts).toBe(2);
        expect(server.followers()).toBe(1);
        await second.close();

        // Keyboard: a task node takes focus and opens with Enter; its live log tail shows.
        await page.focus('#graph g.node[data-task="slow"]');
        await page.keyboard.press('Enter');
        await page.locator('#task-log', { hasText: 'slow is working' }).waitFor(WAIT);
        await shot(page, 'web-board-task-log');

        // Contrast, names, roles: axe-core on the live board.
        expect(await axeViolations(page)).toEqual([]);

        // Cancel from the page: the task is killed and its dependent skipped, on the page too.
        await page.click('#task-cancel');
        await node('slow', 'cancelled');
        await node('bench', 'skipped');
        await page.waitForSelector('#board-state:text("failed")', WAIT);
        const result = await handle.result();
        expect(result.tasks.find((t) => t.id === 'slow')?.state).toBe('cancelled');
        expect(result.tasks.find((t) => t.id === 'report')?.state).toBe('succeeded');
        // The Temporal Web UI's workflow page gets the board's digest as its current details.
        const metadata = await handle.query(workflowMetadataQuery);
        expect(metadata.currentDetails).toContain('**failed** · 8/8 done');
        expect(metadata.currentDetails).toContain('| 6 | 0 | 0 | 0 | 0 | 1 | 1 |');

        await page.click('#tab-timeline');
        await page.waitForSelector('#timeline rect.bar.s-cancelled', WAIT);
        await shot(page, 'web-board-timeline');
        await page.click('#tab-graph');
        await shot(page, 'web-board');

        // The list of boards shows it, and filters by name.
        await page.goto(`${server.url}/#/`);
        await page.fill('#filter-name', id);
        await page.waitForSelector(`a[href="#/board/${id}"]`, WAIT);
        await page.close();
        // The first request carried the token in the fragment, which the browser keeps to itself.
        expect(sent.filter((r) => r.url.includes(token)).map((r) => r.url)).toEqual([]);
        const api = sent.filter((r) => new URL(r.url).pathname.startsWith('/api/'));
        expect(api.map((r) => new URL(r.url).pathname)).toEqual(
          expect.arrayContaining([
            `/api/boards/${id}/events`,
            `/api/boards/${id}/picture`,
            `/api/boards/${id}/tasks/slow/log`,
          ]),
        );
        expect(api.filter((r) => r.authorization !== `Bearer ${token}`).map((r) => r.url)).toEqual([]);

        // Without the token the page shows nothing of the board and asks for it; given it, the board shows.
        const stranger = await browser.newPage();
        await stranger.goto(`${server.url}/#/board/${id}`);
        await stranger.waitForSelector('h1:text("Token needed")', WAIT);
        expect(await stranger.locator('#app').innerText()).not.toContain('slow');
        await shot(stranger, 'web-board-token-needed');
        expect(await axeViolations(stranger)).toEqual([]);
        await stranger.fill('#token-input', 'not-the-token');
        await stranger.click('button[type="submit"]');
        await stranger.locator('#app', { hasText: 'refused: wrong token' }).waitFor(WAIT);
        await stranger.fill('#token-input', token);
        await stranger.click('button[type="submit"]');
        await stranger.waitForSelector('#graph g.node.s-cancelled[data-task="slow"]', WAIT);
        await stranger.close();

        // The guard: reads and actions need the token; foreign Hosts and Origins are refused outright.
        for (const read of ['', `/${id}/picture`, `/${id}/events`, `/${id}/tasks/slow/log`]) {
          const refused = await fetch(`${server.url}/api/boards${read}`);
          expect(refused.status, read).toBe(401);
          expect(await refused.text()).not.toContain('slow is working');
        }
        const action = `${server.url}/api/boards/${id}/pause`;
        expect((await fetch(action, { method: 'POST' })).status).toBe(401);
        expect((await fetch(action, { method: 'POST', headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
        expect(
          (
            await fetch(action, {
              method: 'POST',
              headers: { Authorization: `Bearer ${token}`, Origin: 'http://evil.example' },
            })
          ).status,
        ).toBe(403);
        expect(
          (await rawRequest(server.port, 'GET', `/api/boards/${id}/picture`, { Host: 'evil.example' })).status,
        ).toBe(403);
        expect(
          (
            await rawRequest(server.port, 'POST', `/api/boards/${id}/pause`, {
              Host: 'evil.example',
              Authorization: `Bearer ${token}`,
            })
          ).status,
        ).toBe(403);
        // With the token the action reaches the board, which says it is no longer running.
        const allowed = await fetch(action, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
        expect(allowed.status).toBe(409);
        expect(((await allowed.json()) as { error: string }).error).toMatch(/is not running/);
      } finally {
        await server.close();
      }
    });
  });
});

/** fetch() will not send a Host of our choosing: a raw request does. */
async function rawRequest(
  port: number,
  method: string,
  urlPath: string,
  headers: Record<string, string>,
): Promise<{ status: number }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0 });
    });
    request.on('error', reject);
    request.end();
  });
}
