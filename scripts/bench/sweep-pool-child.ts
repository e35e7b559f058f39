/**
 * One pool measurement of the `sweep` suite in a process of its own, so
 * that it can run under other V8 flags than the suite's (V8's flags are
 * process-wide, and worker threads inherit them):
 *
 *   node --single-threaded --import tsx scripts/bench/sweep-pool-child.ts '<PoolJob as JSON>'
 *
 * Progress goes to stderr; one line `SWEEP_POOL_RESULT <row as JSON>` to stdout.
 */
import { POOL_RESULT_MARKER, runPool, type PoolJob } from './sweep-pool.ts';

const job = JSON.parse(process.argv[2] ?? '') as PoolJob;
const row = await runPool(job, (m) => process.stderr.write(`${m}\n`));
process.stdout.write(`${POOL_RESULT_MARKER} ${JSON.stringify(row)}\n`);
