/**
 * Todone workers running a chosen build of the workflow code on a chosen task queue, against the
 * suite's dev server: what an upgrade looks like from the server's side (one worker stops, another
 * with different code takes the same queue).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { BoardClient } from '../../src/client/board-client.js';
import { createTodoneWorker, type TodoneWorker } from '../../worker/create-worker.js';
import { installRuntime } from '../../worker/runtime.js';

export interface RunningWorker {
  worker: TodoneWorker;
  /** Shuts the worker down and waits (bounded) until it has stopped. */
  stop(): Promise<void>;
}

export interface BuildWorkers {
  client: Client;
  home: string;
  tempDir(prefix?: string): Promise<string>;
  boards(taskQueue: string): BoardClient;
  /** A worker on `taskQueue` running the workflow bundle `code`, polling until stopped. */
  start(code: string, taskQueue: string): Promise<RunningWorker>;
  close(): Promise<void>;
}

const STOP_MS = 30_000;

export async function openBuildWorkers(): Promise<BuildWorkers> {
  const address = inject('temporalAddress');
  const temps: string[] = [];
  const tempDir = async (prefix = 'todone-upgrade-') => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  const home = await tempDir('todone-home-');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  installRuntime();
  const native = await NativeConnection.connect({ address });
  const running = new Set<RunningWorker>();

  return {
    client,
    home,
    tempDir,
    boards: (taskQueue) => new BoardClient(client, taskQueue),
    async start(code, taskQueue) {
      const worker = await createTodoneWorker({
        connection: native,
        namespace: 'default',
        taskQueue,
        home,
        workflowBundle: { code },
      });
      const run = worker.run();
      const handle: RunningWorker = {
        worker,
        async stop() {
          running.delete(handle);
          if (worker.getState() === 'RUNNING') worker.shutdown();
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<never>(
            (_, reject) =>
              (timer = setTimeout(
                () => reject(new Error(`worker on ${taskQueue} did not stop within ${STOP_MS} ms`)),
                STOP_MS,
              )),
          );
          try {
            await Promise.race([run, late]);
          } finally {
            clearTimeout(timer);
          }
        },
      };
      running.add(handle);
      return handle;
    },
    async close() {
      await Promise.allSettled([...running].map((w) => w.stop()));
      await native.close();
      await connection.close();
      await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
    },
  };
}
