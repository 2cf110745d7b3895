// Offline stand-in for an analysis agent: reads one package and reports its size, its TODOs and
// a risk level, keyed by the package's name so the reports merge into one.
import fs from 'node:fs';
const pkg = process.argv[2];
const text = fs.readFileSync(`packages/${pkg}/index.js`, 'utf8');
const todos = [...text.matchAll(/TODO: (.*)/g)].map((m) => m[1]);
const risk = todos.length >= 2 ? 'high' : todos.length === 1 ? 'medium' : 'low';
fs.writeFileSync(
  process.env.TODONE_OUTPUT,
  JSON.stringify({ packages: { [pkg]: { lines: text.trimEnd().split('\n').length, todos, risk } } }),
);
console.log(`${pkg}: ${todos.length} TODO(s), risk ${risk}`);
