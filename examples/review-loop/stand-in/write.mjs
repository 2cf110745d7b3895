// Stands in for a coding agent: writes a terse greeting, and a better one when sent back (the
// reviewer's comment arrives in TODONE_FEEDBACK, and in the prompt of a coding agent).
import fs from 'node:fs';

const feedback = process.env.TODONE_FEEDBACK ?? '';
const greeting = feedback ? 'Hello, world!' : 'hi';
fs.writeFileSync('greeting.txt', `${greeting}\n`);
console.log(feedback ? `reworked after: ${feedback}` : 'first draft');
