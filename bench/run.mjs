/**
 * Runs the benches named on the command line, one after another, or every bench in this folder
 * when none is named (`npm run bench` builds first):
 *
 *   npm run bench -- overhead scale
 */
const benches = [
  'plan-scale',
  'live-feed',
  'worktree-pool',
  'activity',
  'sandbox',
  'overhead',
  'resume',
  'scale',
  'fleet',
];
const named = process.argv.slice(2);
const unknown = named.filter((name) => !benches.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no bench named ${unknown.join(', ')} (there are: ${benches.join(', ')})`);
  process.exit(2);
}
for (const bench of named.length > 0 ? named : benches) await import(`./${bench}.mjs`);
