#!/usr/bin/env node
// Runs the compiled CLI; `npm run build` (or `npm install`, through `prepare`) produces dist/.
import { main } from '../dist/src/cli/main.js';

// Exit explicitly: the Temporal runtime can hold handles open after a worker has shut down.
process.exit(await main(process.argv.slice(2)));
