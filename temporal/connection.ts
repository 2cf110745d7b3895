import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnection } from '@temporalio/worker';
import { ServerUnreachableError, SetupError } from '../src/errors.js';
import { ensureDevServer, type DevServerInfo, type DevServerOptions } from './dev-server.js';
import { ensureNamespace } from './namespace.js';
import { payloadCodecFromEnv } from './payload-codec.js';
import { payloadDataConverter, payloadStoreFromEnv, payloadThreshold, type PayloadStore } from './payload-storage.js';

/** Where to reach Temporal: a configured cluster, or the embedded dev server (`embedded` set). */
export interface ConnectionTarget {
  connectionOptions: ConnectionOptions;
  namespace: string;
  address: string;
  embedded?: DevServerInfo;
  /** Where payloads above the threshold go (External Storage); the client and workers must agree. */
  payloadStore: PayloadStore;
  /** The SDK's converter with that store: pass it to every Client and Worker of this target. */
  dataConverter: DataConverter;
}

export interface ResolveConnectionOptions {
  env?: NodeJS.ProcessEnv;
  /** Where the embedded server keeps its state (`<dataDir>/temporal/`). */
  dataDir: string;
  /** Told about the embedded server once it runs, e.g. to print its Web UI address. */
  onEmbeddedServer?: (info: DevServerInfo) => void;
  /** Extra settings for the embedded server (ports, CLI path). */
  devServer?: Omit<DevServerOptions, 'dataDir' | 'env' | 'namespaces'>;
}

/**
 * Reads Temporal's own client configuration (the same one the `temporal` CLI and every SDK read):
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, and
 * the profile TEMPORAL_PROFILE names in TEMPORAL_CONFIG_FILE (default
 * `~/.config/temporalio/temporal.toml`). With an address, that cluster is used; without one,
 * the embedded dev server for `dataDir` is started or reused.
 */
export async function resolveConnection(opts: ResolveConnectionOptions): Promise<ConnectionTarget> {
  const env = opts.env ?? process.env;
  const config = loadConfig(env);
  const namespace = config.namespace || 'default';
  const { address, tls, apiKey, metadata } = config.connectionOptions;

  const payloads = (embedded: boolean) => {
    const payloadStore = payloadStoreFromEnv(env, opts.dataDir, embedded);
    return {
      payloadStore,
      dataConverter: payloadDataConverter(payloadStore, payloadThreshold(env), payloadCodecFromEnv(env)),
    };
  };
  if (address) {
    return { connectionOptions: { address, tls, apiKey, metadata }, namespace, address, ...payloads(false) };
  }
  if (apiKey !== undefined || (tls !== undefined && tls !== false)) {
    // Credentials with no address mean a cluster was intended; running locally instead would hide that.
    throw new SetupError(
      'Temporal credentials are configured (TEMPORAL_API_KEY or TEMPORAL_TLS*, or in the config profile) ' +
        'but no address is. Set TEMPORAL_ADDRESS to the cluster, or unset them to use the embedded dev server.',
    );
  }

  const embedded = await ensureDevServer({ ...opts.devServer, dataDir: opts.dataDir, env, namespaces: [namespace] });
  opts.onEmbeddedServer?.(embedded);
  if (namespace !== 'default') await ensureNamespace(embedded.address, namespace);
  return {
    connectionOptions: { address: embedded.address },
    namespace,
    address: embedded.address,
    embedded,
    ...payloads(true),
  };
}

/**
 * Where large payloads (and the result cache) go for this environment, without connecting: the
 * embedded default when no cluster address is configured, as resolveConnection decides.
 */
export function configuredPayloadStore(env: NodeJS.ProcessEnv, dataDir: string): PayloadStore {
  const embedded = !loadConfig(env).connectionOptions.address;
  return payloadStoreFromEnv(env, dataDir, embedded);
}

function loadConfig(env: NodeJS.ProcessEnv): ClientConnectConfig {
  const overrideEnvVars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) overrideEnvVars[key] = value;
  try {
    return loadClientConnectConfig({ overrideEnvVars });
  } catch (error) {
    const where = [
      env.TEMPORAL_CONFIG_FILE ? `TEMPORAL_CONFIG_FILE=${env.TEMPORAL_CONFIG_FILE}` : 'the Temporal config file',
      env.TEMPORAL_PROFILE ? `profile ${env.TEMPORAL_PROFILE}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    throw new SetupError(`Cannot read the Temporal client configuration (${where}): ${message(error)}`);
  }
}

/** A client for `target`; a server that does not answer becomes a SetupError saying what to check. */
export async function connectClient(target: ConnectionTarget): Promise<{ client: Client; connection: Connection }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({
      connectTimeout: 10_000,
      ...target.connectionOptions,
      // gRPC's default reconnect backoff grows to 2 min: a server back after an outage would go
      // unnoticed that long. Todone's own recovery decides how long to wait; the channel just retries.
      channelArgs: {
        'grpc.initial_reconnect_backoff_ms': 500,
        'grpc.max_reconnect_backoff_ms': 3_000,
        ...target.connectionOptions.channelArgs,
      },
    });
  } catch (error) {
    throw unreachable(target, error);
  }
  return {
    client: new Client({ connection, namespace: target.namespace, dataConverter: target.dataConverter }),
    connection,
  };
}

/** The native connection a Worker needs, for the same target. */
export async function connectWorkerConnection(target: ConnectionTarget): Promise<NativeConnection> {
  // Loaded on demand: the native worker bridge is not needed by client-only commands.
  const { NativeConnection } = await import('@temporalio/worker');
  const { address, tls, apiKey, metadata } = target.connectionOptions;
  try {
    return await NativeConnection.connect({
      address,
      tls,
      apiKey: typeof apiKey === 'function' ? apiKey() : apiKey,
      metadata: metadata as Record<string, string> | undefined,
    });
  } catch (error) {
    throw unreachable(target, error);
  }
}

function unreachable(target: ConnectionTarget, error: unknown): ServerUnreachableError {
  const head = `Cannot reach Temporal at ${target.address} (namespace ${target.namespace}): ${message(error)}.`;
  if (target.embedded) {
    return new ServerUnreachableError(
      `${head}\nThe embedded dev server (pid ${target.embedded.pid}) may have stopped; ` +
        `see ${target.embedded.logFile}. Running the command again restarts it.`,
      target.address,
    );
  }
  return new ServerUnreachableError(
    `${head}\nCheck that the server is running and reachable from here, and the settings that point at it: ` +
      'TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TLS* / TEMPORAL_API_KEY, TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE. ' +
      'Unset TEMPORAL_ADDRESS to use the embedded dev server instead.',
    target.address,
  );
}

function message(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
