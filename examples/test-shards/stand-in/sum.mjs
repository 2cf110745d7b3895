// The reduce step: reads every shard's result on stdin ({ "<task>": output }) and prints the totals.
let input = '';
process.stdin
  .on('data', (chunk) => (input += chunk))
  .on('end', () => {
    const shards = Object.values(JSON.parse(input));
    const failed = shards.flatMap((s) => s.failed);
    console.log(JSON.stringify({ shards: shards.length, passed: shards.reduce((n, s) => n + s.passed, 0), failed }));
  });
