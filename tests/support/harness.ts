/**
 * A real worker against the suite's dev server: the suite's one workflow bundle (built with dist/,
 * see global-setup.ts) and a fresh task queue per board, as the SDK's own tests do.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { inject } from 'vitest';
import { BoardClient } from '../../src/client/board-client.js';
import type { BoardSpec } from '../../src/core/board.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { createTodoneWorker } from '../../worker/create-worker.js';
import { installRuntime } from '../../worker/runtime.js';
import { payloadDataConverter, type PayloadStore } from '../../temporal/payload-storage.js';
import { suiteWorkflowCode } from './workflow-bundle.js';

export interface Harness {
  client: Client;
  home: string;
  tempDir(prefix?: string): Promise<string>;
  /** Runs the board to completion on a fresh queue; `during` runs alongside, e.g. to cancel. */
  run(
    board: BoardSpec,
    during?: (boards: BoardClient) => Promise<void>,
    tuning?: Parameters<BoardClient['startOrAttach']>[1],
  ): Promise<BoardResult>;
  /** The workflow bundle the harness's workers run: tests that start workers of their own reuse it. */
  workflowCode: string;
  /** Runs `fn` while a Todone worker serves a fresh task queue (the BoardClient uses it too). */
  withWorker<T>(fn: (boards: BoardClient, taskQueue: string) => Promise<T>, worker?: WorkerChoices): Promise<T>;
  /** The worker side's connection and converter, for tests that assemble Workers of their own. */
  connection: NativeConnection;
  dataConverter: DataConverter;
  close(): Promise<void>;
}

/** What the harness's worker offers beyond a plain one. */
export interface WorkerChoices {
  /** Capabilities it offers tasks that `require` them: it polls their queues too. */
  capabilities?: string[];
}

export interface HarnessOptions {
  /** Payloads above this many bytes go to the file store under the harness's data folder (as with the embedded default). */
  payloadThreshold?: number;
  /** Another converter (e.g. External Storage on S3) for the client and the worker alike. */
  dataConverter?: DataConverter;
  /** Where the workers keep large payloads and the result cache; default files under the harness's data folder. */
  payloadStore?: PayloadStore;
  /** The data folder (default: a fresh one): two harnesses with their own stand for two machines. */
  home?: string;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const address = inject('temporalAddress');
  const temps: string[] = [];
  const tempDir = async (prefix = 'todone-test-') => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    temps.push(dir);
    return dir;
  };
  const home = options.home ?? (await tempDir('todone-home-'));
  // The same External Storage the embedded default gets: a file store in the data folder.
  const payloadStore: PayloadStore = options.payloadStore ?? { kind: 'files', dir: path.join(home, 'payloads') };
  const dataConverter = options.dataConverter ?? payloadDataConverter(payloadStore, options.payloadThreshold);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter });
  installRuntime();
  const nativeConnection = await NativeConnection.connect({ address });
  const code = await suiteWorkflowCode();

  async function withWorker<T>(
    fn: (boards: BoardClient, taskQueue: string) => Promise<T>,
    choices: WorkerChoices = {},
  ): Promise<T> {
    const taskQueue = `test-${randomUUID()}`;
    const worker = await createTodoneWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      home,
      workflowBundle: { code },
      dataConverter,
      ...(choices.capabilities ? { capabilities: choices.capabilities } : {}),
      payloadStore,
    });
    return worker.runUntil(fn(new BoardClient(client, taskQueue), taskQueue));
  }

  return {
    client,
    home,
    tempDir,
    workflowCode: code,
    connection: nativeConnection,
    dataConverter,
    run: (board, during, tuning) =>
      withWorker(async (boards) => {
        const { handle } = await boards.startOrAttach(board, tuning);
        const [result] = await Promise.all([handle.result(), during?.(boards)]);
        return result;
      }),
    withWorker,
    async close() {
      await nativeConnection.close();
      await connection.close();
      await Promise.all(temps.map((dir) => fs.rm(dir, { recursive: true, force: true })));
    },
  };
}
