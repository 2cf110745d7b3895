/**
 * A cached task's key: SHA-256 of everything its result can depend on, so that a hit is only ever
 * the result of the same work on the same inputs (a miss is always safe, a wrong hit never is).
 * What the task is asked (its id, type, description, the board's goal, its agent with model and
 * arguments, its checks, a conflict it is told about), where it works (the folder of a plain
 * board, the repository and base of a git board), who does it (agent-identity.ts), what it reads
 * (input-files.ts; on a git board base and its dependencies' work, see gitInputs), what its
 * dependencies produced (outputs, summaries, files), and the values of the variables it names,
 * hashed, never stored. Left out: the board's id (a hit serves any board
 * with the same task), budgets, timeouts, the worktree's path.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { openGit } from '../git/git.js';
import type { RunTaskInput, TaskCacheInput } from '../types.js';
import type { IdentifyAgent } from './agent-identity.js';
import { folderInputsDigest, gitInputsDigest, type InputsDigest } from './input-files.js';

/** Bump when what goes into a key changes: every earlier entry becomes a miss. */
const KEY_VERSION = 1;

export type KeyAnswer = { key: string } | { uncacheable: string };

export async function taskCacheKey(
  input: RunTaskInput,
  workerEnv: NodeJS.ProcessEnv,
  identify: IdentifyAgent,
): Promise<KeyAnswer> {
  const spec = input.cache;
  if (!spec) return { uncacheable: 'the task is not cached' };
  const agent = await identify(input.agent, workerEnv);
  if ('uncacheable' in agent) return agent;
  const inputs = input.worktree
    ? await gitInputs(input.worktree.git.repo, input.worktree.startSha, spec)
    : spec.inputs
      ? await folderInputsDigest(input.workdir, spec.inputs)
      : { uncacheable: 'a cached task on a board without a repository names its input files (inputs)' };
  if ('uncacheable' in inputs) return inputs;
  const git = input.worktree?.git;
  const material = {
    v: KEY_VERSION,
    task: {
      id: input.taskId,
      type: input.type,
      description: input.description,
      goal: input.goal,
      agent: input.agent,
      validate: input.validate,
      expectChanges: input.expectChanges === true,
      reduce: input.reduce === true,
      env: input.env,
    },
    where: git ? { repo: git.remote ?? git.repo, base: git.base } : { workdir: input.workdir },
    agent: agent.identity,
    inputs: { globs: spec.inputs, digest: inputs.digest },
    dependencies: input.dependencies ?? [],
    env: envDigest(spec.env ?? [], workerEnv),
  };
  return { key: sha256(canonicalJson(material)) };
}

/**
 * A git task's files: base's tree and what each dependency did there (its key, which names its own
 * inputs in turn, and its change), when every dependency has a key; else the start commit's tree.
 */
async function gitInputs(repo: string, startSha: string, spec: TaskCacheInput): Promise<InputsDigest> {
  const deps = spec.dependencies ?? [];
  const keyed = spec.base !== undefined && deps.every((d) => d.key !== undefined && d.commit !== undefined);
  if (!keyed) return gitInputsDigest(repo, startSha, spec.inputs);
  const base = await gitInputsDigest(repo, spec.base!, spec.inputs);
  if ('uncacheable' in base) return base;
  let changes: string[];
  try {
    changes = await Promise.all(
      deps.map(async (d) => `${d.id}:${d.key}:${d.changed === false ? 'none' : await changeDigest(repo, d.commit!)}`),
    );
  } catch {
    // A dependency's commit this clone does not hold (a remote board's rebased task): the start tree says it all.
    return gitInputsDigest(repo, startSha, spec.inputs);
  }
  return { digest: sha256(canonicalJson({ base: base.digest, dependencies: changes })) };
}

/** What a commit changed, by path and content (blob ids), from its parent. */
async function changeDigest(repo: string, commit: string): Promise<string> {
  const raw = await openGit(repo).raw(['diff', '--raw', '-z', '--full-index', '--no-renames', `${commit}^`, commit]);
  return sha256(raw);
}

/** The named variables' values as one hash; an unset variable differs from an empty one. */
function envDigest(names: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  if (names.length === 0) return undefined;
  const hash = createHash('sha256');
  for (const name of [...names].sort()) {
    const value = env[name];
    hash.update(`${name}\0${value === undefined ? '\u0001unset' : `=${value}`}\0`);
  }
  return hash.digest('hex');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
