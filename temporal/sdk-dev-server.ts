/**
 * The last resort when no Temporal CLI is installed: the SDK's own ephemeral dev server, which
 * downloads the CLI from temporal.download (so it needs internet). Unlike the detached server it
 * runs as a child of this process and dies with it, so it survives neither a crash nor the end of
 * `todone run`; the database file still keeps the state for the next start.
 */
export interface SdkDevServer {
  address: string;
  teardown(): Promise<void>;
}

export async function startSdkDevServer(opts: {
  dbFile: string;
  port: number;
  uiPort: number;
  namespaces: string[];
}): Promise<SdkDevServer> {
  // Loaded on demand: @temporalio/testing is only needed on this path.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      dbFilename: opts.dbFile,
      ip: '127.0.0.1',
      port: opts.port,
      ui: true,
      uiPort: opts.uiPort,
      extraArgs: opts.namespaces.filter((n) => n !== 'default').flatMap((n) => ['--namespace', n]),
    },
  });
  return { address: env.address, teardown: () => env.teardown() };
}
