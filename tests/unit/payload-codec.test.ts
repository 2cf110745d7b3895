/** The AES-256-GCM payload codec: round trips, key rotation, tampering, and its key settings. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  payloadKeysFromEnv,
} from '../../temporal/payload-codec.js';
import { SetupError } from '../../src/errors.js';

const oldKey = { id: 'k2024', key: randomBytes(32) };
const newKey = { id: 'k2025', key: randomBytes(32) };
const board = { name: 'secret plans', tasks: [{ id: 'a', description: 'do the thing' }] };

function payload(value: unknown): Payload {
  return defaultPayloadConverter.toPayload(value);
}

function text(p: Payload): string {
  return Buffer.from(p.data ?? new Uint8Array()).toString('latin1') + JSON.stringify(p.metadata);
}

describe('AesGcmPayloadCodec', () => {
  it('encrypts so the payload holds no plaintext and names its key, and decrypts back exactly', async () => {
    const codec = new AesGcmPayloadCodec([newKey]);
    const [encrypted] = await codec.encode([payload(board)]);
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encrypted!.metadata![KEY_ID_METADATA]!).toString()).toBe('k2025');
    expect(text(encrypted!)).not.toContain('secret plans');
    const [decrypted] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decrypted!)).toEqual(board);
  });

  it('rotates: the first key encrypts, older keys still decrypt what they encrypted', async () => {
    const [byOld] = await new AesGcmPayloadCodec([oldKey]).encode([payload(board)]);
    const rotated = new AesGcmPayloadCodec([newKey, oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([byOld!]))[0]!)).toEqual(board);
    const [byNew] = await rotated.encode([payload(board)]);
    expect(Buffer.from(byNew!.metadata![KEY_ID_METADATA]!).toString()).toBe('k2025');
  });

  it('passes unencrypted payloads through, and refuses unknown keys, altered data and relabelled keys', async () => {
    const codec = new AesGcmPayloadCodec([newKey]);
    const plain = payload({ a: 1 });
    expect(await codec.decode([plain])).toEqual([plain]);

    const [byOld] = await new AesGcmPayloadCodec([oldKey]).encode([payload(board)]);
    await expect(codec.decode([byOld!])).rejects.toThrow(
      'a payload is encrypted with key "k2024", which is not among this process\'s keys (k2025)',
    );

    const [encrypted] = await codec.encode([payload(board)]);
    const data = Buffer.from(encrypted!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted!, data }])).rejects.toThrow('does not authenticate with key "k2025"');

    // Same key bytes under another id: the id is authenticated, so the relabelled payload fails.
    const twin = new AesGcmPayloadCodec([newKey, { id: 'twin', key: newKey.key }]);
    const relabelled = { ...encrypted!, metadata: { ...encrypted!.metadata, [KEY_ID_METADATA]: Buffer.from('twin') } };
    await expect(twin.decode([relabelled])).rejects.toThrow('does not authenticate with key "twin"');
  });
});

describe('payload keys from the environment', () => {
  it('is off without settings, reads one key inline or several from a file, in base64 or hex', async () => {
    expect(payloadKeysFromEnv({})).toBeUndefined();
    expect(payloadKeysFromEnv({ TODONE_PAYLOAD_KEY: `k1:${newKey.key.toString('base64')}` })).toEqual([
      { id: 'k1', key: newKey.key },
    ]);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-keys-'));
    try {
      const file = path.join(dir, 'keys');
      await fs.writeFile(
        file,
        `# current first\nk2025:${newKey.key.toString('hex')}\n\nk2024 ${oldKey.key.toString('base64')}\n`,
      );
      expect(payloadKeysFromEnv({ TODONE_PAYLOAD_KEY_FILE: file })).toEqual([newKey, oldKey]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('says what is wrong without quoting a key', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => payloadKeysFromEnv({ TODONE_PAYLOAD_KEY: `k1:${short}` })).toThrow(
      new SetupError('TODONE_PAYLOAD_KEY: key "k1" is 16 bytes; AES-256 needs 32 (openssl rand -base64 32)'),
    );
    expect(() => payloadKeysFromEnv({ TODONE_PAYLOAD_KEY: short })).toThrow(/expected "<id>:<key>"/);
    expect(() => payloadKeysFromEnv({ TODONE_PAYLOAD_KEY_FILE: '/nonexistent/keys' })).toThrow(
      'TODONE_PAYLOAD_KEY_FILE=/nonexistent/keys: cannot read it (ENOENT)',
    );
    expect(() => payloadKeysFromEnv({ TODONE_PAYLOAD_KEY: 'a:b', TODONE_PAYLOAD_KEY_FILE: '/x' })).toThrow(/both set/);
  });
});
