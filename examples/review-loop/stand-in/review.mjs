// Stands in for a reviewing agent: asks for changes until the greeting greets the world. A coding
// agent ends its answer with a line `VERDICT: approve` or `VERDICT: changes` instead.
import fs from 'node:fs';

const greeting = fs.readFileSync('greeting.txt', 'utf8');
const verdict = greeting.includes('world')
  ? { verdict: 'approve', comment: 'Friendly and complete.' }
  : { verdict: 'changes', comment: 'Greet the world, with a capital H.' };
fs.writeFileSync(process.env.TODONE_OUTPUT, JSON.stringify(verdict));
console.log(`${verdict.verdict}: ${verdict.comment}`);
