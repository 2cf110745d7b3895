#!/usr/bin/env node
// The yardstick as a user would run it: a plain Temporal program, started as its own process, that
// connects, hosts a worker (its workflow bundled beforehand, as a deployed program would have it),
// runs `plainBoard` (bench/plain-workflow.mjs: COUNT activities, CONCURRENCY at once, each spawning
// ARGV) to its end, and exits. Start-up is part of what it costs, as it is of `todone run`.
// PLAIN_CONTINUE_AS_NEW=1 lets the workflow continue as new when the server suggests it.
//
//   node bench/plain-program.mjs <address> <bundle file> <count> <concurrency> <argv...>
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { execa } from 'execa';

const [address, bundle, count, concurrency, ...argv] = process.argv.slice(2);
Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } });
const taskQueue = `plain-${randomUUID()}`;
const native = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection: native,
  taskQueue,
  workflowBundle: { codePath: bundle },
  activities: { spawnProcess: async (args) => void (await execa(args[0], args.slice(1), { stdin: 'ignore' })) },
  maxConcurrentActivityTaskExecutions: 64,
});
const connection = await Connection.connect({ address });
const client = new Client({ connection });
const workflowId = `plain-${randomUUID()}`;
await worker.runUntil(
  client.workflow.execute('plainBoard', {
    taskQueue,
    workflowId,
    args: [Number(count), Number(concurrency), argv, process.env.PLAIN_CONTINUE_AS_NEW === '1'],
  }),
);
await connection.close();
await native.close();
// The workflow id on stdout: the driver reads its history.
console.log(workflowId);
