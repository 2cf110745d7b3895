/**
 * Posts a board's notification to a webhook: the JSON body, signed with HMAC-SHA256 of its exact
 * bytes when the board names a secret (`X-Todone-Signature: sha256=<hex>`, as GitHub's webhooks
 * do), with its event and a delivery id a receiver can deduplicate on (Temporal may deliver twice).
 * The URL and the secret may be `{ fromEnv }` references, read from the worker's environment and
 * never returned. One attempt is one request, bounded in time; the workflow's retry policy retries
 * what may pass (no answer, 5xx, 408, 429) and a refusal that cannot (other 4xx, a redirect, a
 * missing variable) is final at once.
 */
import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { isEnvReference, type EnvReference, type EnvValue } from '../src/core/board.js';
import type { NotificationBody } from '../src/core/notification.js';
import { todoneVersion } from '../src/version.js';
import { FAILURE_TYPES } from '../workflows/api.js';

export interface NotifyInput {
  /** Which of the board's webhooks (its index under `notify`): how failures are named. */
  webhook: number;
  url: EnvValue;
  secret?: EnvReference;
  /** Unique per notification of the board (X-Todone-Delivery). */
  delivery: string;
  body: NotificationBody;
}

/** One request: a receiver that has not answered by then is tried again later. */
export const REQUEST_TIMEOUT_MS = 10_000;

export function createNotify(workerEnv: NodeJS.ProcessEnv = process.env) {
  return async function notify(input: NotifyInput): Promise<{ status: number }> {
    const url = resolve(input.url, 'url', workerEnv);
    const target = parseUrl(url);
    const payload = Buffer.from(JSON.stringify(input.body));
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': `todone/${todoneVersion()}`,
      'X-Todone-Event': input.body.event,
      'X-Todone-Delivery': input.delivery,
    };
    if (input.secret) {
      const secret = resolve(input.secret, 'secret', workerEnv);
      headers['X-Todone-Signature'] = `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`;
    }
    let response: Response;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers,
        body: payload,
        // A redirect would resend the body (and its signature) somewhere the board never named.
        redirect: 'manual',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      // Never the URL in a message: it may be a secret of its own (a Slack webhook's is).
      const cause = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new Error(`webhook notify[${input.webhook}] (${target.host}) did not answer: ${cause || String(error)}`);
    }
    // Only the status matters: the body is not read, however big.
    await response.body?.cancel().catch(() => undefined);
    const { status } = response;
    if (status >= 200 && status < 300) return { status };
    const said = `webhook notify[${input.webhook}] (${target.host}) answered ${status}`;
    if (status >= 300 && status < 400) throw refused(`${said}: a redirect, which Todone does not follow`);
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw refused(said);
    throw new Error(said);
  };
}

function resolve(value: EnvValue, field: string, env: NodeJS.ProcessEnv): string {
  if (!isEnvReference(value)) return value;
  const found = env[value.fromEnv];
  if (found === undefined || found === '')
    throw refused(
      `the webhook's ${field} refers to ${value.fromEnv}, which the worker's environment does not have: set it where the worker starts`,
    );
  return found;
}

function parseUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password)
    throw refused('the webhook URL is not an http:// or https:// URL without credentials');
  return parsed;
}

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE_TYPES.notificationRefused, message, nonRetryable: true });
}
