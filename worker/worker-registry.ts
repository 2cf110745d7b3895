/**
 * Which Todone workers live on this machine. Each worker process gets an identity naming its host
 * and process, unique per process start, and leaves a record of it in the data folder while it
 * runs. A record left behind by a process that is gone (or whose pid now belongs to another
 * process) is how a restarted `todone run` knows, without waiting for a heartbeat timeout, that
 * the attempts that worker held are lost.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isGone, processStartTime } from '../src/util/processes.js';
import { writeFileAtomic } from '../src/util/write-atomic.js';

export interface WorkerRecord {
  identity: string;
  hostname: string;
  pid: number;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat), where /proc exists. */
  startTime?: number;
  startedAt: string;
  /** When a later process first found it dead: old dead records are pruned after a day. */
  deadSince?: string;
}

/** Once a record has been dead this long, every heartbeat timeout has long retried its attempts. */
const PRUNE_DEAD_AFTER_MS = 24 * 60 * 60 * 1000;

let processIdentity: string | undefined;

/** `<pid>@<hostname>#<random>`: the same for every worker of this process, new for every process start. */
export function workerIdentity(): string {
  processIdentity ??= `${process.pid}@${os.hostname()}#${randomBytes(3).toString('hex')}`;
  return processIdentity;
}

export function workersDir(home: string): string {
  return path.join(home, 'workers');
}

function recordPath(home: string, identity: string): string {
  return path.join(workersDir(home), `${encodeURIComponent(identity)}.json`);
}

const registered = new Set<string>();

/**
 * Records this process as a live worker under `home` (once per home) and removes the record
 * when the process exits normally; a SIGKILL leaves it behind, which is the point.
 */
export async function registerWorkerProcess(home: string): Promise<string> {
  const identity = workerIdentity();
  const file = recordPath(home, identity);
  if (registered.has(file)) return identity;
  const startTime = processStartTime(process.pid);
  const record: WorkerRecord = {
    identity,
    hostname: os.hostname(),
    pid: process.pid,
    ...(startTime !== undefined ? { startTime } : {}),
    startedAt: new Date().toISOString(),
  };
  await writeWorkerRecord(home, record);
  if (registered.size === 0) process.once('exit', removeRecords);
  registered.add(file);
  return identity;
}

function removeRecords(): void {
  for (const file of registered) rmSync(file, { force: true });
  registered.clear();
}

export async function writeWorkerRecord(home: string, record: WorkerRecord): Promise<void> {
  await fs.mkdir(workersDir(home), { recursive: true });
  await writeFileAtomic(recordPath(home, record.identity), JSON.stringify(record));
}

export async function readWorkerRecord(home: string, identity: string): Promise<WorkerRecord | undefined> {
  try {
    return JSON.parse(await fs.readFile(recordPath(home, identity), 'utf8')) as WorkerRecord;
  } catch {
    return undefined;
  }
}

/**
 * True only for a worker of this host whose process is known to be gone: its pid is not running,
 * or is running but started at another time (a reused pid). Without /proc a running pid is given
 * the benefit of the doubt.
 */
export function isDeadWorker(record: WorkerRecord, hostname = os.hostname()): boolean {
  if (record.hostname !== hostname || record.identity === processIdentity) return false;
  return isGone(record.pid, record.startTime);
}

/**
 * Marks dead records with when they were first found dead, and deletes those dead for over a day.
 * Live workers' and other hosts' records are left alone.
 */
export async function tidyWorkerRecords(home: string, now = Date.now()): Promise<void> {
  const names = await fs.readdir(workersDir(home)).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = path.join(workersDir(home), name);
    const record = await readWorkerRecord(home, decodeURIComponent(name.slice(0, -'.json'.length)));
    if (!record || !isDeadWorker(record)) continue;
    if (!record.deadSince) await writeWorkerRecord(home, { ...record, deadSince: new Date(now).toISOString() });
    else if (now - Date.parse(record.deadSince) > PRUNE_DEAD_AFTER_MS) await fs.rm(file, { force: true });
  }
}
