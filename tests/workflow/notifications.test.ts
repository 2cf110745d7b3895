/**
 * A board's webhooks (`notify:`) on the real server: events posted to a local HTTP server with a
 * valid HMAC-SHA256 signature of the exact body, a Slack-compatible text that a hostile task's
 * output cannot turn into a mention or a link, a URL read from the worker's environment; a dead
 * endpoint, one that refuses (404) and one whose variable is missing are recorded on the board and
 * never fail it, and a flaky one (a 500 first) is retried.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskSpec, WebhookSpec } from '../../src/core/board.js';
import type { NotificationBody } from '../../src/core/notification.js';
import { makeBoard, makeTask } from '../support/boards.js';
import { freePort } from '../support/free-port.js';
import { createHarness, type Harness } from '../support/harness.js';
import { NOTIFY_EVENTS } from '../../src/core/board.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  body: NotificationBody;
}

/** A webhook receiver on 127.0.0.1 that answers each request with the next of `statuses` (the last repeated). */
async function receiver(statuses: number[] = [200]) {
  const received: Received[] = [];
  let n = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: request.headers, raw, body: JSON.parse(raw.toString('utf8')) as NotificationBody });
      response.writeHead(statuses[Math.min(n++, statuses.length - 1)]!).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function signatureValid(secret: string, got: Received): boolean {
  const header = String(got.headers['x-todone-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(got.raw).digest('hex')}`;
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

const hook = (url: WebhookSpec['url'], extra: Partial<WebhookSpec> = {}): WebhookSpec => ({
  url,
  events: [...NOTIFY_EVENTS],
  ...extra,
});

describe('notifications', () => {
  it('posts the events, signed, with a text a hostile task cannot turn into a mention; the URL may come from the environment', async () => {
    const secret = `s-${randomUUID()}`;
    process.env.TODONE_TEST_HOOK_SECRET = secret;
    const signed = await receiver();
    const byEnv = await receiver();
    process.env.TODONE_TEST_HOOK_URL = byEnv.url;
    try {
      const dir = await h.tempDir();
      const board = makeBoard(`notify-${randomUUID().slice(0, 8)}`, dir, [
        { id: 'ok', command: 'true' },
        { id: 'bad', command: `echo '<!channel> & <http://evil.example|click me>'; exit 3`, retry: { maxAttempts: 1 } },
      ]);
      const gate: TaskSpec = {
        ...makeTask({ id: 'gate', command: 'true' }),
        approval: { before: false, timeoutMs: 500, onTimeout: 'approve' },
      };
      board.tasks.push(gate);
      board.notify = [
        hook(signed.url, { secret: { fromEnv: 'TODONE_TEST_HOOK_SECRET' } }),
        hook({ fromEnv: 'TODONE_TEST_HOOK_URL' }, { events: ['board.finished'] }),
      ];
      const result = await h.run(board);

      expect(result.state).toBe('failed');
      const events = signed.received.map((r) => r.body.event).sort();
      expect(events).toEqual(['board.finished', 'task.awaiting-approval', 'task.failed']);
      for (const got of signed.received) {
        expect(signatureValid(secret, got), `signature of ${got.body.event}`).toBe(true);
        expect(got.headers['x-todone-event']).toBe(got.body.event);
        expect(got.headers['content-type']).toBe('application/json');
        expect(got.body.board).toMatchObject({ id: board.id, workflowId: `todone-board-${board.id}` });
      }
      expect(new Set(signed.received.map((r) => r.headers['x-todone-delivery'])).size).toBe(3);
      // A wrong secret does not verify: the check can fail.
      expect(signatureValid('not-the-secret', signed.received[0]!)).toBe(false);

      const failed = signed.received.find((r) => r.body.event === 'task.failed')!.body;
      expect(failed.task).toMatchObject({ id: 'bad', state: 'failed' });
      expect(failed.text).not.toMatch(/<!channel>|<http/);
      expect(failed.text).toContain('&lt;!channel&gt; &amp; &lt;http://evil.example|click me&gt;');
      const waiting = signed.received.find((r) => r.body.event === 'task.awaiting-approval')!.body;
      expect(waiting.task).toMatchObject({ id: 'gate', gate: 'after', onTimeout: 'approve' });
      expect(waiting.text).toContain(`todone approve ${board.id} gate`);
      const finished = signed.received.find((r) => r.body.event === 'board.finished')!.body;
      expect(finished).toMatchObject({ board: { state: 'failed' } });
      expect(finished.text).toMatch(/^Board \*notify-[0-9a-f]+\* failed: 2\/3 succeeded, 1 failed in /);

      // Read from the worker's environment; only the event it asked for; unsigned.
      expect(byEnv.received.map((r) => r.body.event)).toEqual(['board.finished']);
      expect(byEnv.received[0]!.headers['x-todone-signature']).toBeUndefined();
      expect(result.notifications).toEqual({ delivered: 4, failed: 0 });
    } finally {
      await signed.close();
      await byEnv.close();
      delete process.env.TODONE_TEST_HOOK_SECRET;
      delete process.env.TODONE_TEST_HOOK_URL;
    }
  });

  it('a dead endpoint, a refusing one and a missing variable are recorded, never fatal; a flaky one is retried', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/nobody-listens`;
    const refusing = await receiver([404]);
    const flaky = await receiver([500, 200]);
    try {
      const dir = await h.tempDir();
      const board = makeBoard(`notify-dead-${randomUUID().slice(0, 8)}`, dir, [{ id: 'only', command: 'true' }]);
      board.notify = [
        hook(dead),
        hook(refusing.url),
        hook({ fromEnv: 'TODONE_TEST_NO_SUCH_VARIABLE' }),
        hook(flaky.url),
      ];
      const started = Date.now();
      const result = await h.run(board);

      expect(result.state).toBe('completed');
      // The dead endpoint's five attempts are 1, 2, 4 and 8 s apart: the board's end waits for them, no longer.
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(refusing.received).toHaveLength(1);
      expect(flaky.received.map((r) => r.body.event)).toEqual(['board.finished', 'board.finished']);
      expect(result.notifications).toMatchObject({ delivered: 1, failed: 3 });
      const failures = result.notifications!.failures!;
      const byHook = (i: number) => failures.find((f) => f.webhook === i)!;
      expect(byHook(0)).toMatchObject({ event: 'board.finished' });
      expect(byHook(0).error).toMatch(/^webhook notify\[0\] \(127\.0\.0\.1:\d+\) did not answer/);
      expect(byHook(1).error).toMatch(/^webhook notify\[1\] \(127\.0\.0\.1:\d+\) answered 404$/);
      expect(byHook(2).error).toBe(
        "the webhook's url refers to TODONE_TEST_NO_SUCH_VARIABLE, which the worker's environment does not have: set it where the worker starts",
      );
      // The URL (a secret of its own, for Slack) is never in what the board records.
      expect(JSON.stringify(result.notifications)).not.toContain('/nobody-listens');
    } finally {
      await refusing.close();
      await flaky.close();
    }
  });
});
