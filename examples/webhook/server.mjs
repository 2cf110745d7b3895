#!/usr/bin/env node
/**
 * A service that starts Todone boards when it receives a webhook. Connects to Temporal the way
 * `todone` does (TEMPORAL_ADDRESS and friends, or the embedded dev server), optionally hosts a
 * worker, and listens on 127.0.0.1 unless told otherwise. See README.md beside it.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  BoardClient,
  DEFAULT_TASK_QUEUE,
  connectClient,
  connectWorkerConnection,
  createTodoneWorker,
  resolveConnection,
  todoneHome,
} from 'todone';
import { createWebhookServer } from './webhook.mjs';

const env = process.env;
const home = todoneHome(env);
const taskQueue = env.TODONE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
const baseDir = path.resolve(env.WEBHOOK_BASE_DIR ?? process.cwd());
const token = env.WEBHOOK_TOKEN ?? randomBytes(24).toString('base64url');

const target = await resolveConnection({ env, dataDir: home });
// The target's data converter (External Storage for big payloads) is in the client it makes.
const { client } = await connectClient(target);
const boards = new BoardClient(client, taskQueue);

if (env.WEBHOOK_WORKER === '1') {
  const worker = await createTodoneWorker({
    connection: await connectWorkerConnection(target),
    namespace: target.namespace,
    taskQueue,
    home,
    dataConverter: target.dataConverter,
  });
  worker.run().catch((error) => {
    console.error('worker stopped:', error);
    process.exit(1);
  });
}

const host = env.WEBHOOK_HOST ?? '127.0.0.1';
const port = Number(env.WEBHOOK_PORT ?? 8787);
const server = createWebhookServer({ boards, baseDir, token });
server.listen(port, host, () => {
  console.log(
    `Todone webhook on http://${host}:${port}/boards (Temporal ${target.address}, queue ${taskQueue}, boards start in ${baseDir})`,
  );
  if (!env.WEBHOOK_TOKEN) console.log(`token (set WEBHOOK_TOKEN to choose one): ${token}`);
});
