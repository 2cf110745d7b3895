#!/usr/bin/env node
// Python tools the tests run as real processes: moto's S3-compatible server (External Storage on
// a cluster) and Temporal's official Python SDK (a client in another language). Whatever the
// machine's python3 can already import is used as it is; anything missing is pip-installed into
// .tools/python, which tests put on PYTHONPATH (tests/support/python-tools.ts).
// Plain .mjs so it runs before anything is built.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const quiet = process.argv.includes('--quiet');
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(projectRoot, '.tools', 'python');
const python = process.env.TODONE_PYTHON ?? 'python3';

/** module to import -> requirement that provides it */
const TOOLS = { 'moto.server': 'moto[server]>=5,<6', temporalio: 'temporalio>=1.20,<2' };

function importable(module) {
  const env = { ...process.env, PYTHONPATH: [target, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
  return spawnSync(python, ['-c', `import ${module}`], { env, stdio: 'ignore', timeout: 60_000 }).status === 0;
}

const missing = Object.entries(TOOLS).filter(([module]) => !importable(module));
if (missing.length === 0) {
  if (!quiet) console.log('Python test tools present (moto, temporalio).');
  process.exit(0);
}
const requirements = missing.map(([, requirement]) => requirement);
if (!quiet) console.log(`Installing ${requirements.join(', ')} into ${target} ...`);
const pip = spawnSync(
  python,
  ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', target, ...requirements],
  {
    stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit',
    timeout: 600_000,
  },
);
if (pip.status !== 0 || missing.some(([module]) => !importable(module))) {
  console.error(
    `Could not install ${requirements.join(', ')} with ${python} -m pip. The tests that run them need Python 3 with pip and PyPI reachable.`,
  );
  process.exit(1);
}
