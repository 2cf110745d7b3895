/**
 * A chaos run: the fleet up, boards one after another for the run's minutes while the injector
 * injects faults, the last board let finish, then every invariant checked and the run torn down.
 * `npm run chaos` (main.ts) and the shortened test both call runChaos.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { BASE_FILES, planTasks, createExecutionsFolder, writeBoard, type ChaosBoard } from './board.js';
import { boardInvariants } from './board-invariants.js';
import { merge, type Check } from './check.js';
import { readExecutions } from './executions.js';
import { Injector, type Fault } from './faults.js';
import { Fleet } from './fleet.js';
import { cleanLeavesNothing, historiesBounded, memoryBounded, noOrphans, workersSurvive } from './fleet-invariants.js';
import type { ChaosOptions } from './options.js';
import { seeded } from './random.js';
import { createRemote } from './remote.js';
import { runRound, Submitter } from './round.js';

export interface ChaosReport {
  seed: number;
  minutes: number;
  workers: number;
  everySeconds: number;
  boards: { id: string; tasks: number; state: string; seconds: number }[];
  faults: Fault[];
  /** Submitter restarts the run made after killing it. */
  submitterRestarts: number;
  checks: Check[];
  /** Kinds the run could not inject here, and why. */
  skipped: string[];
  wallSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
  folder: string;
  passed: boolean;
}

export async function runChaos(options: ChaosOptions, log: (line: string) => void): Promise<ChaosReport> {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'todone-chaos-')));
  log(
    `chaos: seed ${options.seed}, ${options.minutes} min, ${options.workers} worker(s), a fault every ~${options.everySeconds} s, in ${root}`,
  );
  const remote = await createRemote(root, BASE_FILES);
  const executions = await createExecutionsFolder(root);
  const fleet = await Fleet.start(root, remote, options.workers);
  const skipped: string[] = [];
  let kinds = options.faults;
  if (fleet.quotaProblem && kinds.includes('disk-full')) {
    skipped.push(`disk-full: ${fleet.quotaProblem}`);
    kinds = kinds.filter((k) => k !== 'disk-full');
  }
  // Ctrl-C (or a test's timeout) still stops the fleet and unmounts the quotas.
  const interrupted = () => void fleet.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const connection = await Connection.connect({ address: fleet.server.address });
  const client = new Client({ connection });
  const submitter = new Submitter();
  const injector = new Injector({
    fleet,
    random: seeded(options.seed ^ 0x5eed),
    kinds,
    everyMs: options.everySeconds * 1_000,
    executions,
    submitter,
    log,
  });
  const boardsRandom = seeded(options.seed);
  const boards: { board: ChaosBoard; result: Awaited<ReturnType<typeof runRound>>; seconds: number }[] = [];
  const checks: Check[] = [];
  try {
    // The minutes count from when the fleet is up: starting it is not part of the chaos.
    const until = Date.now() + options.minutes * 60_000;
    const injecting = injector.run(until);
    try {
      for (let round = 1; Date.now() < until && !injector.failure; round++) {
        const id = `chaos-${options.seed}-${round}`;
        const tasks = planTasks(boardsRandom, options.tasks, options.workers > 1);
        const board = await writeBoard({ root, remote, executions }, id, tasks, boardsRandom);
        const t0 = Date.now();
        log(`board ${id}: ${tasks.length} tasks`);
        const result = await runRound(fleet, client, board, submitter, log);
        boards.push({ board, result, seconds: (Date.now() - t0) / 1000 });
        log(
          `board ${id} ${result.state} in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${JSON.stringify(result.counts)}`,
        );
      }
    } finally {
      await injecting;
      await injector.settle();
    }
    const homes = new Map(fleet.workers.map((w) => [w.name, w.home]));
    for (const { board, result } of boards) {
      const executions = await readExecutions(board.executions, board.id);
      checks.push(...(await boardInvariants({ board, result, executions, journal: injector.journal, homes, remote })));
    }
    await fleet.stopWorkers();
    checks.push(workersSurvive(fleet));
    checks.push(await noOrphans(executions));
    const chaosBoards = boards.map((b) => b.board);
    checks.push(await cleanLeavesNothing(fleet, chaosBoards));
    checks.push(await historiesBounded(client, chaosBoards));
    checks.push(memoryBounded(fleet));
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await connection.close().catch(() => undefined);
    // A run where an invariant broke keeps its folder (the report names it): the logs are the evidence.
    const broke = checks.length === 0 || checks.some((c) => c.violations.length > 0);
    await fleet.close({ saveLogs: broke || options.keep });
    if (!options.keep && !broke) await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
  const merged = merge(checks);
  const missing = kinds.filter((k) => !injector.journal.some((f) => f.kind === k));
  return {
    seed: options.seed,
    minutes: options.minutes,
    workers: options.workers,
    everySeconds: options.everySeconds,
    boards: boards.map(({ board, result, seconds }) => ({
      id: board.id,
      tasks: board.tasks.length,
      state: result.state,
      seconds,
    })),
    faults: injector.journal,
    submitterRestarts: submitter.restarts,
    checks: merged,
    skipped: [...skipped, ...missing.map((k) => `${k}: never had a target`)],
    wallSeconds: (Date.now() - started) / 1000,
    loadBefore,
    loadAfter: os.loadavg(),
    folder: root,
    passed: merged.every((c) => c.violations.length === 0) && skipped.length === 0 && missing.length === 0,
  };
}
