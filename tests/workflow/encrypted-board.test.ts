/**
 * Payload encryption and External Storage together, end to end on the real server: a board big
 * enough for its input to go to the file store runs to the end with the codec on both the client
 * and the worker; the server's history and the store hold only ciphertext, and a client with the
 * key (or the codec server) reads it back.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { inject, afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardResult } from '../../src/core/run-state.js';
import { listBoards } from '../../src/ui/board-list.js';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../temporal/payload-codec.js';
import { payloadDataConverter } from '../../temporal/payload-storage.js';
import { boardWorkflowId } from '../../workflows/api.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { filesContaining, textOf } from '../support/secret-search.js';

const codec = new AesGcmPayloadCodec([{ id: 'k1', key: randomBytes(32) }]);
let enc: Harness;
let storeDir: string;
beforeAll(async () => {
  storeDir = await mkdtemp(path.join(os.tmpdir(), 'todone-store-'));
  // The client and the worker alike encrypt, and store payloads over 1 KiB in files.
  enc = await createHarness({ dataConverter: payloadDataConverter({ kind: 'files', dir: storeDir }, 1024, codec) });
});
afterAll(async () => {
  await enc?.close();
  await rm(storeDir, { recursive: true, force: true });
});

describe('a board with encrypted payloads and External Storage', () => {
  it('runs, while the history and the store hold only ciphertext', async () => {
    {
      const marker = `plaintext-marker-${randomUUID()}`;
      const work = await enc.tempDir('todone-enc-work-');
      const board = makeBoard(`enc-${randomUUID().slice(0, 8)}`, work, [
        { id: 'a', command: `echo ${marker}-output` },
        { id: 'b', dependsOn: ['a'], command: 'true' },
      ]);
      // Big enough that the board's input goes to the store, not inline.
      board.tasks[0]!.description = `${marker} ${'x'.repeat(4_000)}`;
      const result = await enc.run(board);
      expect(result.tasks.map((t) => t.state)).toEqual(['succeeded', 'succeeded']);

      // As the server (and its Web UI) has it, without the key.
      const connection = await Connection.connect({ address: inject('temporalAddress') });
      try {
        const raw = await new Client({ connection }).workflow.getHandle(boardWorkflowId(board.id)).fetchHistory();
        const rawText = textOf(raw);
        expect(rawText).toContain(ENCRYPTED_ENCODING);
        expect(rawText).not.toContain(marker);
        // A claim on the store, not the board itself, is what the history holds for the input.
        expect(rawText).not.toContain('x'.repeat(1_000));
        // A board list without the key still lists it (its memo stays unread), and the others too.
        const listed = await listBoards(new Client({ connection }), { name: board.id });
        expect(listed.map((b) => [b.boardId, b.state])).toEqual([[board.id, 'COMPLETED']]);
      } finally {
        await connection.close();
      }
      expect(await filesContaining(storeDir, ''), 'the board input went to the store').not.toHaveLength(0);
      expect(await filesContaining(storeDir, marker)).toEqual([]);

      // With the key, a client reads the result back through the codec and the store.
      const again = (await enc.client.workflow.getHandle(boardWorkflowId(board.id)).result()) as BoardResult;
      expect(again.tasks.map((t) => t.id)).toEqual(['a', 'b']);
    }
  });
});
