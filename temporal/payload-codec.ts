/**
 * End-to-end encryption of Temporal payloads: AES-256-GCM in the client and the workers, so the
 * server, its database and its Web UI hold only ciphertext. Each payload names the key that
 * encrypted it, so keys can rotate: the first key configured encrypts, every key configured
 * decrypts. Payloads that were never encrypted (boards started before encryption was turned on)
 * pass through.
 *
 *   TODONE_PAYLOAD_KEY        one key, `<id>:<key>`
 *   TODONE_PAYLOAD_KEY_FILE   a file of keys, one `<id>:<key>` per line (`#` comments); the first encrypts
 *
 * A key is 32 bytes, written as base64 or 64 hex digits (`openssl rand -base64 32`). Off unless
 * one of them is set.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Payload, PayloadCodec } from '@temporalio/common';
// The proto package is CommonJS: its namespace comes in as the default export under ESM.
import proto from '@temporalio/proto';
import { SetupError } from '../src/errors.js';

const PayloadProto = proto.temporal.api.common.v1.Payload;

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: ReadonlyMap<string, Buffer>;

  /** `keys[0]` encrypts; all of them decrypt. */
  constructor(readonly keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get encryptingKeyId(): string {
    return this.keys[0]!.id;
  }

  // Async so every failure is a rejection, as the SDK expects of a codec.
  async encode(payloads: Payload[]): Promise<Payload[]> {
    await Promise.resolve();
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated too: a payload cannot be relabelled to another key.
      cipher.setAAD(Buffer.from(id));
      const plain = PayloadProto.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    await Promise.resolve();
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    const id = idBytes ? Buffer.from(idBytes).toString() : '';
    const key = this.byId.get(id);
    if (!key) {
      throw new Error(
        `a payload is encrypted with key "${id}", which is not among this process's keys (${[...this.byId.keys()].join(', ')}): configure it in TODONE_PAYLOAD_KEY_FILE`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`an encrypted payload (key "${id}") is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(
        `an encrypted payload does not authenticate with key "${id}": it was altered, or the key is not the one it was encrypted with`,
      );
    }
    return PayloadProto.decode(plain);
  }
}

/** The keys the environment configures, or undefined when encryption is off. */
export function payloadKeysFromEnv(env: NodeJS.ProcessEnv): PayloadKey[] | undefined {
  const file = env.TODONE_PAYLOAD_KEY_FILE?.trim();
  const inline = env.TODONE_PAYLOAD_KEY?.trim();
  if (file && inline)
    throw new SetupError(
      'TODONE_PAYLOAD_KEY and TODONE_PAYLOAD_KEY_FILE are both set: keep one (a file can hold several keys)',
    );
  if (inline) return [parseKeyLine(inline, 'TODONE_PAYLOAD_KEY')];
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SetupError(
      `TODONE_PAYLOAD_KEY_FILE=${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const keys = text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), where: `${file}:${i + 1}` }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, where }) => parseKeyLine(line, where));
  if (keys.length === 0)
    throw new SetupError(`TODONE_PAYLOAD_KEY_FILE=${file}: no keys in it (one "<id>:<key>" per line)`);
  const ids = new Set<string>();
  for (const { id } of keys) {
    if (ids.has(id)) throw new SetupError(`TODONE_PAYLOAD_KEY_FILE=${file}: key id "${id}" is listed twice`);
    ids.add(id);
  }
  return keys;
}

export function payloadCodecFromEnv(env: NodeJS.ProcessEnv): AesGcmPayloadCodec | undefined {
  const keys = payloadKeysFromEnv(env);
  return keys ? new AesGcmPayloadCodec(keys) : undefined;
}

/** `<id>:<key>`, the key as base64 or hex of 32 bytes. The key itself is never quoted back. */
function parseKeyLine(line: string, where: string): PayloadKey {
  const match = /^([A-Za-z0-9._-]{1,64})\s*[:\s]\s*(\S+)$/.exec(line);
  if (!match)
    throw new SetupError(
      `${where}: expected "<id>:<key>" (an id of letters, digits, '.', '_', '-', then a 32-byte key in base64 or hex)`,
    );
  const [, id, text] = match as unknown as [string, string, string];
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new SetupError(`${where}: key "${id}" is ${key.length} bytes; AES-256 needs 32 (openssl rand -base64 32)`);
  return { id, key };
}
