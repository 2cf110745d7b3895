// The web board's live feed reader (src/ui/public/live-feed.js, the page's own file, run in Node):
// how long a 10,000-task board's first snapshot, one 2 MB `data:` line sent in 16 KB chunks, takes
// from request to parsed event, against reading the same bytes whole and parsing them. Best of 15
// rounds, alternating, since the machine's load moves single runs a lot. BENCH_BEFORE=<path of an
// older live-feed.js> adds it as a third side.
// Run: node bench/live-feed.mjs
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROUNDS = 15;
const readers = { 'this reader': (await import('../src/ui/public/live-feed.js')).openLiveFeed };
if (process.env.BENCH_BEFORE)
  readers.before = (await import(pathToFileURL(path.resolve(process.env.BENCH_BEFORE)).href)).openLiveFeed;

const task = (i) => ({
  id: `task-${i}`,
  state: 'succeeded',
  attempts: 1,
  agent: 'shell',
  startedAt: 1,
  endedAt: 2,
  durationMs: 1234,
  reason: 'x'.repeat(80),
});
const snapshot = JSON.stringify({ type: 'snapshot', tasks: Array.from({ length: 10_000 }, (_, i) => task(i)) });
const payload = Buffer.from(`event: snapshot\ndata: ${snapshot}\n\n`);
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/event-stream' });
  let at = 0;
  const next = () => {
    if (at >= payload.length) return void response.end();
    const end = Math.min(at + 16 * 1024, payload.length);
    response.write(payload.subarray(at, end), next);
    at = end;
  };
  next();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const best = Object.fromEntries([...Object.keys(readers), 'read whole, then parsed'].map((name) => [name, Infinity]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, openLiveFeed] of Object.entries(readers)) {
    const start = performance.now();
    await new Promise((resolve) => {
      const feed = openLiveFeed(url, {
        headers: () => ({}),
        onState: () => undefined,
        onEvent: (_type, data) => {
          JSON.parse(data);
          feed.close();
          resolve();
        },
      });
    });
    best[name] = Math.min(best[name], performance.now() - start);
  }
  const start = performance.now();
  const text = await (await fetch(url)).text();
  JSON.parse(text.slice(text.indexOf('data: ') + 'data: '.length, -2));
  best['read whole, then parsed'] = Math.min(best['read whole, then parsed'], performance.now() - start);
}
server.closeAllConnections();
server.close();
console.log(`\nThe live feed: a 10,000-task snapshot (${(payload.length / 1e6).toFixed(1)} MB), best of ${ROUNDS}`);
for (const [name, ms] of Object.entries(best)) console.log(`  ${name.padEnd(24)} ${ms.toFixed(0)} ms`);
