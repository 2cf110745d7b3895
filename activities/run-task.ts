/**
 * The task activity: one attempt of one task. The agent's adapter turns the task into an argv and
 * a prompt file, the agent runs supervised in the task's folder, its own report is read back from
 * the end of its log, and the task's validation commands judge the result.
 * Idempotent per (board, task, attempt): logs and the prompt are rewritten, and whatever a crashed
 * earlier attempt left running is stopped first.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { hostSandboxProbes, type SandboxProbes } from './agents/host-sandboxes.js';
import { hasOutputParser, parseAgentOutput, type AgentReport } from './agents/index.js';
import { plannedInvocation } from './agents/planned-invocation.js';
import { recordUnfinished } from './agents/unfinished-note.js';
import { unfinishedWork } from './agents/work-check.js';
import { clip, readLogTail } from './agents/output.js';
import { validationLogPath, writePrompt } from './agents/prompt-file.js';
import { crashPoint } from './git/crash-point.js';
import { prepareWorktree } from './git/worktree.js';
import { killLeftover } from './process/process-group.js';
import { supervise, type SuperviseOutcome } from './process/supervise.js';
import { confinedArgv } from './process/sandbox.js';
import { runValidation } from './process/validation.js';
import { Redactor, redactDeep } from './secrets/redact.js';
import { missingEnvMessage, resolveEnv, type ResolvedEnv } from './secrets/resolve-env.js';
import { logRefusedConnections, sandboxVerdict, type SandboxVerdict } from './sandbox/sandbox-verdict.js';
import { baseEnvironment, workerSecrets } from './sandbox/task-env.js';
import { makeTaskPlaces, taskPlaces } from './sandbox/task-places.js';
import { AttemptFacts, attemptHost, budgetBlocks } from './attempt-facts.js';
import { beginsLate, cancelledBecause, supersededBecause } from './attempt-current.js';
import { prepareOutputFiles, readTaskOutput } from './task-output.js';
import { asTaskOutcome } from '../src/core/outcome.js';
import { readVerdict } from '../src/core/verdict.js';
import { FAILURE_TYPES } from '../workflows/api.js';
import { agentIdentities } from './cache/agent-identity.js';
import { lookUp, replayHit, storeSuccess } from './cache/task-cache.js';
import type { CacheStore } from './cache/store.js';
import type { RunTaskInput, TaskOutcome } from './types.js';

/** When an attempt first heartbeats, at the latest (a quarter of its heartbeat timeout when that is shorter). */
const FIRST_HEARTBEAT_MS = 1_000;

export interface RunTaskDeps {
  /** Todone's data folder (logs, pid files, the tasks' scratch, shared and cache folders). */
  home: string;
  /** The result cache cached tasks read and write (absent: they run as if not cached). */
  cache?: CacheStore;
  /** What works on this host to confine agents (probed once per process); tests inject answers. */
  sandboxes?: SandboxProbes;
  /**
   * The worker's environment unless a test says: where `{ fromEnv }` references and `passEnv` names
   * are read, and whose secret-looking values are redacted from everything a task returns.
   */
  env?: NodeJS.ProcessEnv;
}

export function createRunTask(deps: RunTaskDeps) {
  const attemptOnce = createAttempt(deps);
  const workerEnv = deps.env ?? process.env;
  return async function runTask(input: RunTaskInput): Promise<TaskOutcome> {
    const ctx = Context.current();
    const resolved = resolveEnv(input.agent.env, workerEnv);
    // Whatever leaves this activity (result, failure, heartbeats) and whatever it writes holds no secret
    // value: neither the board's nor any the worker holds under a secret-looking name.
    const redactor = new Redactor([...('secrets' in resolved ? resolved.secrets : []), ...workerSecrets(workerEnv)]);
    const logPath = path.join(
      taskPlaces(deps.home, input.boardId, input.taskId).dir,
      `attempt-${ctx.info.attempt}.log`,
    );
    const facts = new AttemptFacts(ctx.info, attemptHost(ctx), logPath);
    try {
      const outcome = await attemptOnce(input, resolved, redactor, facts);
      facts.end();
      const done = redactDeep({ ...outcome, ...facts.outcome() }, redactor);
      // What is stored is what leaves the attempt: secrets redacted, usage over every attempt.
      if (!deps.cache || done.cache?.key === undefined || done.cache.hit) return done;
      const { dir } = taskPlaces(deps.home, input.boardId, input.taskId);
      return {
        ...done,
        cache: await storeSuccess(deps.cache, { ...done.cache, key: done.cache.key }, input, done, dir),
      };
    } catch (error) {
      if (!facts.begun) throw finalFailure(error, redactor);
      // The next attempt, wherever it runs, learns what this one spent from these details.
      facts.handOn(ctx);
      throw finalFailure(error, redactor, facts);
    }
  };
}

/**
 * A failure as it leaves the attempt: its outcome completed with the usage and runs so far, its
 * message and outcome redacted (they are built from the redacted log, but a message may quote more).
 */
function finalFailure(error: unknown, redactor: Redactor, facts?: AttemptFacts): unknown {
  if (!(error instanceof ApplicationFailure)) return error;
  const outcome = asTaskOutcome(error.details?.[0]);
  const withFacts = facts && outcome ? { ...outcome, ...facts.outcome() } : undefined;
  if (!redactor.active && !withFacts) return error;
  const details = withFacts ? [withFacts, ...(error.details ?? []).slice(1)] : (error.details ?? []);
  return ApplicationFailure.create({
    type: error.type ?? undefined,
    message: redactor.redact(error.message),
    nonRetryable: error.nonRetryable === true,
    details: redactDeep(details, redactor),
    ...(error.cause ? { cause: error.cause } : {}),
  });
}

/**
 * Exec takes one variable of at most 128 KiB (and all of them together about 2 MB): a long
 * description is only in its file (TODONE_TASK_DESCRIPTION_FILE), a short one in the variable too.
 */
export const MAX_DESCRIPTION_ENV_BYTES = 32 * 1024;

/** A task sent back with a comment gets it in TODONE_FEEDBACK too (shell and custom agents read it there). */
function feedbackEnv(input: RunTaskInput): { TODONE_FEEDBACK?: string } {
  return input.feedback ? { TODONE_FEEDBACK: input.feedback.comment } : {};
}

function descriptionEnv(description: string): { TODONE_TASK_DESCRIPTION?: string } {
  return Buffer.byteLength(description) <= MAX_DESCRIPTION_ENV_BYTES ? { TODONE_TASK_DESCRIPTION: description } : {};
}

function createAttempt({ home, sandboxes = hostSandboxProbes, env: workerEnv = process.env, cache }: RunTaskDeps) {
  const identify = agentIdentities();
  return async function attemptOnce(
    input: RunTaskInput,
    resolved: ResolvedEnv,
    redactor: Redactor,
    facts: AttemptFacts,
  ): Promise<TaskOutcome> {
    const ctx = Context.current();
    const attempt = ctx.info.attempt;
    const started = Date.now();
    const places = taskPlaces(home, input.boardId, input.taskId);
    const { dir } = places;
    await makeTaskPlaces(places);
    const pidFile = path.join(dir, 'process.json');
    const taskKey = `${input.boardId}/${input.taskId}`;
    await killLeftover(pidFile, `TODONE_TASK_KEY=${taskKey}`);
    if ('missing' in resolved)
      throw invalid(missingEnvMessage(resolved.missing), { attempts: attempt, ...facts.earlierOutcome() });
    const agentEnv = resolved.env;
    const blocked = budgetBlocks(input.budgets, facts.earlier.usage);
    if (blocked) {
      throw ApplicationFailure.create({
        type: FAILURE_TYPES.budgetExhausted,
        message: blocked,
        nonRetryable: true,
        // This attempt ran nothing: it is neither counted nor listed.
        details: [{ attempts: attempt - 1, ...facts.earlierOutcome() } satisfies TaskOutcome],
      });
    }
    // From here on this attempt is listed: even if its worker dies, the next attempt sees where it ran.
    // Listed by a heartbeat once it has run a moment: a no-op task ends before, and sends none.
    const timeoutMs = ctx.info.heartbeatTimeoutMs ?? 30_000;
    // Often enough that the server hears from the attempt about three times per heartbeat timeout.
    const beatEveryMs = Math.max(100, Math.min(5_000, timeoutMs / 3));
    const now = Date.now();
    facts.begin(
      ctx,
      now,
      // Handed over long ago (a paused worker's poll held it): the server may be close to giving it up.
      beginsLate(ctx.info, now) ? 0 : Math.min(FIRST_HEARTBEAT_MS, timeoutMs / 4),
      beatEveryMs,
    );

    // A retry must not build on what the failed attempt left in the worktree.
    if (input.worktree && attempt > 1) await prepareWorktree(input.worktree);

    const logPath = facts.run.log;
    const validationLog = validationLogPath(dir, attempt);
    // Run together; their errors are still raised in the order the steps used to run one after another.
    const [removed, workdirOk, written] = await Promise.allSettled([
      // A log left by an earlier run of the board would otherwise be quoted in the next prompt.
      fs.rm(validationLog, { force: true }),
      isDirectory(input.workdir),
      writePrompt(input, dir, attempt),
    ]);
    settledValue(removed);
    if (!settledValue(workdirOk)) {
      // A task's worktree is Todone's own: removed from under the worker, and the retry makes it again.
      const gone = `the worktree ${input.workdir} is gone (removed from under the worker): the retry makes it again`;
      if (input.worktree) throw failed(gone, { attempts: attempt, logPath });
      throw invalid(`workdir ${input.workdir} does not exist or is not a folder`, { attempts: attempt, logPath });
    }
    const { prompt, promptFile, descriptionFile } = settledValue(written);
    // A cached task whose key is found is done here: its result is read, its agent does not run.
    const lookup = input.cache && cache ? await lookUp(cache, input, workerEnv, identify) : undefined;
    if (lookup && 'entry' in lookup && lookup.entry) {
      const context = { attempt, started, logPath: facts.run.log, scratchDir: dir };
      const replayed = await replayHit({ key: lookup.key, entry: lookup.entry }, input, context);
      if ('outcome' in replayed) return replayed.outcome;
      lookup.note = replayed.note;
    }
    // What a success carries for the cache: its key (runTask stores it), or why it is not cached.
    const cacheRecord: Pick<TaskOutcome, 'cache'> = lookup
      ? { cache: { ...('key' in lookup ? { key: lookup.key } : {}), ...(lookup.note ? { note: lookup.note } : {}) } }
      : {};
    const planned = await plannedInvocation(
      {
        agent: { ...input.agent, env: agentEnv },
        prompt,
        promptFile,
        worktree: input.workdir,
        taskId: input.taskId,
        boardId: input.boardId,
        attempt,
        logDir: places.scratch,
      },
      sandboxes,
      {
        ...(input.worktree ? { repo: input.worktree.git.repo } : {}),
        workerEnv,
        places,
        inWorktree: input.worktree !== undefined,
      },
    );
    if ('refused' in planned) throw invalid(planned.refused, { attempts: attempt, logPath });
    const { invocation, confinement, network, env: sandboxEnv, defaults } = planned;
    const outputs = await prepareOutputFiles(input, places, attempt);
    // Not the worker's environment: the few variables every program expects, the agent CLI's own and
    // the board's `passEnv`; then the board's env; then Todone's, which nothing overrides.
    const base = {
      ...defaults,
      ...baseEnvironment(workerEnv, input.agent.kind, input.agent.passEnv ?? []),
    };
    // The marker variable lets a later attempt recognise (and only then kill) a group this one started.
    const todoneEnv = {
      TODONE_BOARD_ID: input.boardId,
      TODONE_TASK_ID: input.taskId,
      TODONE_TASK_TYPE: input.type,
      TODONE_ATTEMPT: String(attempt),
      TODONE_TASK_KEY: taskKey,
    };
    // Progress is sampled often enough for the idle watch too (the worker throttles the heartbeats themselves).
    const heartbeatEveryMs = input.idleTimeoutMs
      ? Math.max(100, Math.min(beatEveryMs, input.idleTimeoutMs / 4))
      : beatEveryMs;
    const supervision = {
      cwd: input.workdir,
      pidFile,
      attempt,
      signal: ctx.cancellationSignal,
      progressEveryMs: heartbeatEveryMs,
      redactor,
    };
    crashPoint('task:before-agent');
    // An attempt the server has already given up on must not start its agent: a new attempt runs
    // the task elsewhere (or here) and the two would do the same work at once, in the same worktree.
    const silence = facts.silenceMs();
    const heartbeatTimeoutMs = ctx.info.heartbeatTimeoutMs;
    if (heartbeatTimeoutMs && silence > heartbeatTimeoutMs) {
      const message = `attempt ${attempt} of task ${input.taskId} was silent for ${seconds(silence)}, past its heartbeat timeout of ${seconds(heartbeatTimeoutMs)} (its worker was paused or starved): Temporal has handed the task to a new attempt, so this one does not start its agent`;
      ctx.log.warn(message);
      throw failed(message, { attempts: attempt, logPath });
    }
    const superseded = await supersededBecause(ctx);
    if (superseded) {
      const message = `attempt ${attempt} of task ${input.taskId} is no longer current: ${superseded} (its worker was paused or starved after taking it), so it does not start its agent`;
      ctx.log.warn(message);
      throw failed(message, { attempts: attempt, logPath });
    }
    // Cancelled while it got ready (a heartbeat the server answered "not found", a cancelled board): no agent.
    if (ctx.cancellationSignal.aborted) {
      ctx.log.info(
        `attempt ${attempt} of task ${input.taskId} does not start its agent: ${cancelledBecause(ctx.cancellationSignal.reason)}`,
      );
      ctx.cancellationSignal.throwIfAborted();
    }
    facts.ready();
    // The proxy attributes refusals to this attempt until it ends.
    try {
      // A hung agent still has a live supervisor heartbeating for it; silence is how it shows.
      const idle = watchIdle(input.idleTimeoutMs);

      const outcome = await supervise({
        ...supervision,
        signal: AbortSignal.any([ctx.cancellationSignal, idle.signal]),
        file: invocation.file,
        args: invocation.args,
        ...(invocation.joins ? { joins: invocation.joins } : {}),
        env: {
          ...base,
          ...agentEnv,
          ...invocation.env,
          ...input.env,
          ...sandboxEnv,
          ...todoneEnv,
          ...outputs.env,
          ...feedbackEnv(input),
          ...descriptionEnv(input.description),
          TODONE_TASK_DESCRIPTION_FILE: descriptionFile,
          TODONE_PROMPT_FILE: promptFile,
        },
        ...(input.reduce ? { stdinFile: outputs.dependencyFile } : {}),
        logPath,
        onProgress: (progress) => {
          idle.observe(progress.outputBytes);
          ctx.heartbeat(facts.details({ phase: 'agent', ...progress }));
        },
      });
      idle.stop();
      await logRefusedConnections(logPath, network);
      const verdict = (tail: string, what: string) =>
        sandboxVerdict({ confined: confinement !== undefined, tail, network, home: workerHome(workerEnv), what });

      // Only the end of the log is read back: the agent may have printed gigabytes.
      const agentReport: AgentReport =
        hasOutputParser(input.agent) && outcome.kind !== 'spawn-error'
          ? parseAgentOutput(input.agent, await readLogTail(logPath))
          : {};
      facts.recordUsage(agentReport.usage);
      // Said at once, so that a retry counts this usage even if the rest of the attempt is lost
      // (an agent that reports none has nothing to add to what the start said).
      if (agentReport.usage) ctx.heartbeat(facts.details({ phase: 'agent-done' }));
      // Usage and runs are added to whatever leaves the attempt (runTask), from the facts.
      const report: TaskOutcome = {
        attempts: attempt,
        logPath,
        promptPath: promptFile,
        durationMs: outcome.durationMs,
        outputTail: outcome.tail.tail,
        outputBytes: outcome.tail.bytes,
        ...(agentReport.summary ? { summary: agentReport.summary } : {}),
      };
      if (idle.fired && !ctx.cancellationSignal.aborted) {
        throw failed(
          `no output for ${Math.round(input.idleTimeoutMs! / 1000)}s: the agent was taken for hung and killed (idleTimeout)`,
          report,
        );
      }
      const failedRun = outcome.kind === 'exited' && outcome.exitCode !== 0;
      checkAgentOutcome(
        outcome,
        agentReport,
        report,
        input,
        ctx.cancellationSignal,
        failedRun ? verdict(outcome.tail.tail, 'the task') : undefined,
      );
      // Its work is in a worktree on the same disk: a retry, not a result nobody can read the log of.
      if (outcome.logError) throw failed(`could not write the agent's log ${logPath}: ${outcome.logError}`, report);
      const unfinished = await unfinishedWork(input, agentReport);
      if (unfinished) {
        await recordUnfinished(dir, attempt, unfinished);
        throw failed(unfinished, { ...report, exitCode: 0 });
      }

      const output = await readTaskOutput(outputs, { reduce: input.reduce === true, logPath }).catch(
        (error: unknown) => {
          throw failed(error instanceof Error ? error.message : String(error), { ...report, exitCode: 0 });
        },
      );
      const read = input.review ? readVerdict(output, agentReport.summary) : undefined;
      if (input.review && (read === undefined || 'problem' in read)) {
        const how =
          input.agent.kind === 'shell' || input.agent.kind === 'custom'
            ? 'write { "verdict": "approve" | "changes", "comment": "…" } to $TODONE_OUTPUT'
            : 'end with a line VERDICT: approve or VERDICT: changes';
        throw failed(`the review gave no verdict: ${read ? read.problem : how}`, { ...report, exitCode: 0 });
      }
      const reviewVerdict = read && !('problem' in read) ? read : undefined;
      const withOutput = (o: TaskOutcome): TaskOutcome => ({
        ...o,
        ...(output === undefined ? {} : { output }),
        ...(reviewVerdict ? { verdict: reviewVerdict } : {}),
        ...cacheRecord,
      });

      const commands = input.validate ?? [];
      if (commands.length === 0) return withOutput({ ...report, exitCode: 0 });

      const validation = await runValidation({
        ...supervision,
        commands,
        env: { ...base, ...input.env, ...sandboxEnv, ...todoneEnv },
        ...(confinement
          ? { confine: (file: string, args: readonly string[]) => confinedArgv(confinement, file, args) }
          : {}),
        logPath: validationLog,
        onProgress: (progress) => ctx.heartbeat(facts.details({ phase: 'validate', ...progress })),
      });
      if (validation.kind === 'aborted') ctx.cancellationSignal.throwIfAborted();
      const validated = {
        ...report,
        exitCode: 0,
        durationMs: Date.now() - started,
        validation: validation.records,
        validationLogPath: validationLog,
      };
      if (validation.kind === 'failed') {
        const { failed } = validation;
        const command = clip(failed.command.replace(/\s+/g, ' '), 200);
        const how = failed.exitCode === null ? 'did not finish' : `exited with code ${failed.exitCode}`;
        const why = verdict(validation.tail, `the check \`${command}\``);
        if (why && 'final' in why) throw invalid(why.final, { ...validated, outputTail: validation.tail });
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.validationFailed,
          message: `validation failed: \`${command}\` ${how}${validation.lastLine ? `: ${validation.lastLine}` : ''}${why?.note ?? ''}`,
          // The agent's own tail is in its log; what the user needs here is why the check failed.
          details: [{ ...validated, outputTail: validation.tail } satisfies TaskOutcome],
        });
      }
      return withOutput(validated);
    } finally {
      network?.release();
    }
  };
}

function workerHome(env: NodeJS.ProcessEnv): string {
  return env.HOME ?? os.homedir();
}

/** Throws unless the agent exited 0 and its CLI reported no error. */
function checkAgentOutcome(
  outcome: SuperviseOutcome,
  agentReport: AgentReport,
  report: TaskOutcome,
  input: RunTaskInput,
  signal: AbortSignal,
  sandbox: SandboxVerdict,
): void {
  switch (outcome.kind) {
    case 'exited': {
      const why = agentReport.error ?? outcome.tail.lastLine;
      if (outcome.exitCode !== 0) {
        if (sandbox && 'final' in sandbox) throw invalid(sandbox.final, { ...report, exitCode: outcome.exitCode });
        throw failed(`exited with code ${outcome.exitCode}${why ? `: ${why}` : ''}${sandbox?.note ?? ''}`, {
          ...report,
          exitCode: outcome.exitCode,
        });
      }
      // Some CLIs exit 0 on a failed run and say so only in their output.
      if (agentReport.error)
        throw failed(`the agent reported an error: ${agentReport.error}`, { ...report, exitCode: 0 });
      return;
    }
    case 'killed':
      // Let Temporal see the cancellation (or timeout) it asked for, not a task failure.
      if (outcome.aborted) signal.throwIfAborted();
      throw failed(`killed by ${outcome.signal}`, report);
    case 'spawn-error': {
      const hint =
        input.agent.kind === 'shell' || input.agent.kind === 'custom'
          ? ''
          : ` (is the ${input.agent.kind} CLI installed and on PATH? agent.bin names it)`;
      throw invalid(`could not start the task's agent: ${outcome.message}${hint}`, report);
    }
  }
}

/** Fires when the agent's output has not grown for `timeoutMs`. */
function watchIdle(timeoutMs: number | undefined) {
  const controller = new AbortController();
  let lastBytes = -1;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timeoutMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error('idle')), timeoutMs);
  };
  arm();
  return {
    signal: controller.signal,
    get fired() {
      return controller.signal.aborted;
    },
    observe(bytes: number) {
      if (bytes !== lastBytes) {
        lastBytes = bytes;
        arm();
      }
    },
    stop: () => clearTimeout(timer),
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function failed(message: string, details: TaskOutcome): ApplicationFailure {
  return ApplicationFailure.create({ type: FAILURE_TYPES.taskFailed, message, details: [details] });
}

function invalid(message: string, details: TaskOutcome): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE_TYPES.invalidTask,
    message,
    nonRetryable: true,
    details: [details],
  });
}

/** A settled step's value, or its error thrown. */
function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
