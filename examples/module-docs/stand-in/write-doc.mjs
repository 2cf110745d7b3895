// Offline stand-in for a coding agent documenting one module: reads src/<module>.js, writes
// docs/<module>.md, and leaves a structured result in $TODONE_OUTPUT for the index task.
import fs from 'node:fs';
const module = process.argv[2];
const source = fs.readFileSync(`src/${module}.js`, 'utf8');
const purpose = source.match(/^\/\/ (.*)$/m)?.[1] ?? 'No description.';
const exports = [...source.matchAll(/export function (\w+)/g)].map((m) => m[1]);
fs.mkdirSync('docs', { recursive: true });
fs.writeFileSync(
  `docs/${module}.md`,
  `# ${module}\n\n${purpose}\n\n${exports.map((e) => `- \`${e}()\``).join('\n') || '- (no exports)'}\n`,
);
fs.writeFileSync(process.env.TODONE_OUTPUT, JSON.stringify([{ module, doc: `docs/${module}.md`, exports }]));
console.log(`documented ${module}: ${exports.length} export(s)`);
