#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (or `npm install`, through `prepare`) produces dist/.
import { main } from '../dist/src/cli/main.js';

const code = await main(process.argv.slice(2));
// process.exit drops whatever a pipe has not taken yet: a large --json result (a board of thousands
// of tasks) came out cut short at the pipe's 64 KiB. An empty write calls back once all before it left
// (or failed, when the reader is gone).
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((done) => stream.write('', done))));
// Exit explicitly: the Temporal runtime can hold handles open after a worker has shut down.
process.exit(code);
