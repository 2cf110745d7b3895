/**
 * The messages between a worker and its spawner (spawner-main.ts), over Node's IPC channel with
 * advanced serialization, so output chunks travel as bytes. One spawner serves every command a
 * worker runs in one network namespace; `id` ties each message to the command it is about.
 */

export interface SpawnRequest {
  type: 'spawn';
  id: number;
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Fed to the command's stdin; otherwise stdin is closed. */
  stdinFile?: string;
}

/** Stop or go on reading a command's output: the worker's log cannot keep up, or caught up. */
export interface FlowRequest {
  type: 'pause' | 'resume';
  id: number;
}

export type SpawnerRequest = SpawnRequest | FlowRequest;

export type SpawnerEvent =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'spawn-error'; id: number; message: string }
  | { type: 'output'; id: number; stream: 'stdout' | 'stderr'; chunk: Uint8Array }
  /** After both output streams have ended: no output message for `id` follows it. */
  | { type: 'exit'; id: number; exitCode: number | null; signal: string | null };
