/**
 * One real Temporal dev server for the whole suite (state in a temp folder), started through
 * the same embedded-default code users get. Tests reach it through `inject('temporalAddress')`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDevServer, stopDevServer } from '../../temporal/dev-server.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalDataDir: string;
  }
}

let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-suite-'));
  const server = await ensureDevServer({ dataDir, port: await freePort(), uiPort: await freePort() });
  project.provide('temporalAddress', server.address);
  project.provide('temporalDataDir', dataDir);
}

export async function teardown(): Promise<void> {
  if (!dataDir) return;
  await stopDevServer(dataDir);
  await fs.rm(dataDir, { recursive: true, force: true });
}
