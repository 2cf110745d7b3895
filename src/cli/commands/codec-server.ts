/**
 * `todone codec-server`: decrypts boards' payloads for the Temporal Web UI and CLI, with the keys
 * of TODONE_PAYLOAD_KEY(_FILE). Runs in the foreground until interrupted; prints the endpoint to
 * give the Web UI, token included.
 */
import { payloadCodecFromEnv } from '../../../temporal/payload-codec.js';
import { SetupError } from '../../errors.js';
import { startCodecServer } from '../../server/codec-server.js';
import { LOOPBACK, tokenFromEnv } from '../../server/guard.js';
import type { CommandIO } from '../io.js';

export interface CodecServerCommandOptions {
  port: number;
  host?: string;
  /** Browser origins allowed to call it; default: the embedded dev server's Web UI on its usual port. */
  uiOrigin?: string[];
  /** Resolves when the server should stop; default: SIGINT or SIGTERM. */
  stopped?: Promise<void>;
}

const DEFAULT_UI_ORIGINS = ['http://127.0.0.1:8233', 'http://localhost:8233'];

export async function codecServerCommand(options: CodecServerCommandOptions, io: CommandIO): Promise<number> {
  const codec = payloadCodecFromEnv(io.env);
  if (!codec) {
    throw new SetupError(
      'No payload key is configured: set TODONE_PAYLOAD_KEY_FILE (or TODONE_PAYLOAD_KEY) to the keys the workers use (see docs/security.md).',
    );
  }
  // A fixed token survives restarts, so the Web UI's setting keeps working; otherwise a new one each start.
  const token = tokenFromEnv(io.env, 'TODONE_CODEC_TOKEN');
  const origins = options.uiOrigin?.length ? options.uiOrigin : DEFAULT_UI_ORIGINS;
  const server = await startCodecServer({ codec, port: options.port, host: options.host ?? LOOPBACK, token, origins });
  io.stdout(
    [
      `Codec server listening on ${server.url} (keys: ${codec.keys.map((k) => k.id).join(', ')}; encrypting with ${codec.encryptingKeyId}).`,
      `Web UI: Settings → Codec Server endpoint: ${server.url}/${token}`,
      `Temporal CLI: --codec-endpoint ${server.url} --codec-auth 'Bearer ${token}'`,
      `Browsers may call it from: ${origins.join(', ')} (--ui-origin to change).`,
      '',
    ].join('\n'),
  );
  await (options.stopped ?? untilSignal());
  await server.close();
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
