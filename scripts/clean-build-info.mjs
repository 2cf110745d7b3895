// `npm install` runs `prepare`: forget the compiler's incremental state first. `tsc -b` decides
// what to check from our own files' times, so dependencies' types that an install changed would
// otherwise go unchecked until a source file changes. Plain .mjs so it runs before anything is built.
import fs from 'node:fs';

fs.rmSync(new URL('../dist/.tsbuildinfo', import.meta.url), { force: true });
