// Saves the index (the aggregate task's output, handed over in $TODONE_DEPENDENCY_OUTPUTS) as docs/index.json.
import fs from 'node:fs';
const { index } = JSON.parse(fs.readFileSync(process.env.TODONE_DEPENDENCY_OUTPUTS, 'utf8'));
fs.writeFileSync('docs/index.json', JSON.stringify(index, null, 2) + '\n');
console.log(`indexed ${index.length} module(s)`);
