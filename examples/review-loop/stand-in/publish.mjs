// Stands in for a deploy step: "publishes" the greeting.
import fs from 'node:fs';

fs.copyFileSync('greeting.txt', 'published.txt');
console.log('published');
