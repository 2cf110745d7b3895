/**
 * Once per test run: dist/ brought up to date with the source (the CLI and end-to-end tests run
 * it, see fresh-build.ts), and one real Temporal dev server for the whole suite (state in a temp
 * folder), started through the same embedded-default code users get. Tests reach the server
 * through `inject('temporalAddress')` and the one workflow bundle every harness runs through
 * `inject('workflowBundlePath')`: webpack runs at build time, not once per test file.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureDevServer, stopDevServer } from '../../temporal/dev-server.js';
import { freePort } from './free-port.js';
import { ensureFreshBuild, WORKFLOW_BUNDLE } from './fresh-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalDataDir: string;
    workflowBundlePath: string;
  }
}

let dataDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  await ensureFreshBuild();
  project.provide('workflowBundlePath', WORKFLOW_BUNDLE);
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
