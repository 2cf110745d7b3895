/**
 * `npm run chaos -- --minutes 10 --seed 7`: a fleet under random faults, then its invariants.
 * Exit 0 when every invariant held, 1 when one broke, 2 for bad options.
 */
import { OptionsError, parseOptions, USAGE } from './options.js';
import { formatReport } from './report.js';
import { runChaos } from './run.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof OptionsError)) throw error;
    process.stderr.write(`chaos: ${error.message}\nusage: ${USAGE}\n`);
    return 2;
  }
  const report = await runChaos(options, (line) => process.stderr.write(`${line}\n`));
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(formatReport(report));
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
