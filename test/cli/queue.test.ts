// `odelab sweep --queue` and `odelab worker` end to end on a real Redis
// (helpers/redis.ts): worker processes consuming one sweep, a worker killed
// with SIGKILL mid-trial (BullMQ's stalled check hands its trial to the other
// worker: same attempt, the lost run FAILED/WORKER_LOST), a throwing trial and
// a dying worker thread retried then FAILED, the scheduler killed and resumed
// from Redis with no trial run twice, and input errors before any work.
// Short lock and stalled intervals make a dead worker visible in seconds.
import test from 'ava';
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { RunData } from 'odelab/plugin';
import { MlflowFileStore } from '../../plugins/trackers/mlflow-file.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { startOdelab, type OdelabProcess } from '../helpers/odelab-process.ts';
import { testRedis, uniquePrefix, type TestRedis } from '../helpers/redis.ts';

const EXPERIMENT = join(ROOT, 'test/fixtures/experiments/sweep-tiny.ts');

let redis: TestRedis;
test.before(async () => {
  redis = await testRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

interface SweepJson {
  sweepId: string;
  status: string;
  rows: { trial: number; state: string; attempts: number; reason?: string; runId: string | null }[];
}

/** A fresh store and queue prefix, and the environment every process of the test shares. */
async function setup(t: { teardown(fn: () => Promise<void> | void): void }, name: string) {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-queue-'));
  const workers: OdelabProcess[] = [];
  t.teardown(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await rm(dir, { recursive: true, force: true });
  });
  const env = { ODELAB_QUEUE_KEY: 'test-queue-key-0123456789', ODELAB_QUEUE_PREFIX: uniquePrefix(name), ODELAB_QUEUE_LOCK_MS: '6000', ODELAB_QUEUE_STALLED_MS: '1000' };
  const worker = (slots: number) => {
    const w = startOdelab(['worker', '--queue', redis.url, '--workers', String(slots)], env);
    workers.push(w);
    return w;
  };
  const store = join(dir, 'mlruns');
  const sweepArgs = (...extra: string[]) => ['sweep', EXPERIMENT, '--queue', redis.url, '--tracking-uri', store, '--best-out', join(dir, 'best.json'), ...extra];
  return { dir, store, env, worker, sweepArgs };
}

/** Every run in a file store, across experiments. */
async function storeRuns(store: string): Promise<RunData[]> {
  const tracker = new MlflowFileStore(store);
  const runs: RunData[] = [];
  for (const exp of await readdir(store, { withFileTypes: true })) {
    if (!exp.isDirectory() || exp.name.startsWith('.')) continue;
    for (const run of await readdir(join(store, exp.name), { withFileTypes: true })) {
      if (run.isDirectory()) runs.push(await tracker.getRun(run.name));
    }
  }
  return runs;
}

const trialRuns = (runs: RunData[], sweepId: string, trial: number) =>
  runs.filter((r) => r.tags['mlflow.parentRunId'] === sweepId && r.tags['odelab.sweep.trial'] === String(trial)).sort((a, b) => a.info.startTime - b.info.startTime);

/** The sweep's jobs left in Redis under `prefix`. */
async function jobsLeft(prefix: string, sweepId: string): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    return [...(await client.keys(`${prefix}:trials:${sweepId}.*`)), ...(await client.keys(`${prefix}:sweeps:sweep-${sweepId}*`))];
  } finally {
    client.disconnect();
  }
}

test.serial('two workers share a sweep; one killed mid-trial: its trial is taken over (same attempt, lost run WORKER_LOST), each trial recorded once', async (t) => {
  const { store, env, worker, sweepArgs } = await setup(t, 'kill');
  const a = worker(1);
  const b = worker(1);
  await Promise.all([a.waitFor(/Ctrl-C to stop/), b.waitFor(/Ctrl-C to stop/)]);
  const sweep = odelab([...sweepArgs('--set', 'train.steps=120', '--json')], { env });
  const started = await a.waitFor(/trial (\d+) attempt 1 of sweep \w+ \([^)]*\): run (\w+) started/);
  a.kill('SIGKILL');
  const killedTrial = Number(started[1]);
  const lostRun = started[2]!;

  const r = await sweep;
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SweepJson;
  t.is(out.status, 'FINISHED');
  t.deepEqual(out.rows.map((x) => x.trial).sort(), [0, 1, 2, 3]); // each trial once
  for (const row of out.rows) t.deepEqual([row.trial, row.state, row.attempts], [row.trial, 'FINISHED', 1]);
  t.regex(b.stdout(), new RegExp(`trial ${killedTrial} attempt 1 of sweep .*: run \\w+ started`));

  const runs = await storeRuns(store);
  const killed = trialRuns(runs, out.sweepId, killedTrial);
  t.deepEqual(killed.map((x) => x.info.status), ['FAILED', 'FINISHED']);
  t.is(killed[0]!.info.runId, lostRun);
  t.is(killed[0]!.tags['odelab.failure_code'], 'WORKER_LOST');
  t.regex(killed[0]!.tags['odelab.failure_reason']!, /worker lost: .* stopped holding the trial/);
  t.is(out.rows.find((x) => x.trial === killedTrial)!.runId, killed[1]!.info.runId);
  for (const i of [0, 1, 2, 3].filter((i) => i !== killedTrial)) t.deepEqual(trialRuns(runs, out.sweepId, i).map((x) => x.info.status), ['FINISHED']);
  const parent = runs.find((x) => x.info.runId === out.sweepId)!;
  t.is(parent.params['sweep.isolation'], 'queue');
  t.is(parent.params['sweep.queue'], `${redis.url}/0`);
  t.deepEqual(JSON.parse(parent.tags[`odelab.sweep.trial.${killedTrial}`]!).runIds, [lostRun, killed[1]!.info.runId]);
  t.deepEqual(await jobsLeft(env.ODELAB_QUEUE_PREFIX, out.sweepId), []); // a finished sweep is removed from Redis

  b.kill('SIGINT'); // drains: nothing running, exits 0
  t.is((await b.exited).code, 0);
});

test.serial('the code travels: a throwing trial and a dying worker thread end FAILED after their retries, the others finish, with the files gone from disk', async (t) => {
  const { dir, store, env, worker, sweepArgs } = await setup(t, 'faults');
  // A user's project with odelab installed as a package; its files are deleted once the trials are queued.
  const project = join(dir, 'project');
  await mkdir(join(project, 'node_modules'), { recursive: true });
  await symlink(ROOT, join(project, 'node_modules/odelab'));
  await writeFile(join(project, 'package.json'), '{ "type": "module" }\n');
  await mkdir(join(project, 'experiments'));
  await copyFile(EXPERIMENT, join(project, 'experiments/sweep-tiny.ts'));
  await copyFile(join(ROOT, 'test/fixtures/faulty-model.ts'), join(project, 'faulty-model.ts'));
  worker(2);
  const faults = JSON.stringify({ 'model.fault': { type: 'grid', values: ['none', 'throw', 'exit', 'none'] } });
  const args = sweepArgs('--max-failures', '1', '--set', `sweep.parameters=${faults}`, '--json');
  args[1] = join(project, 'experiments/sweep-tiny.ts');
  const sweep = startOdelab(args, env);
  await sweep.waitFor(/trials queued on/);
  await rm(join(project, 'experiments'), { recursive: true });
  await rm(join(project, 'faulty-model.ts'));

  const r = await sweep.exited;
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as SweepJson;
  const row = (i: number) => out.rows.find((x) => x.trial === i)!;
  t.deepEqual([0, 1, 2, 3].map((i) => [row(i).state, row(i).attempts]), [['FINISHED', 1], ['FAILED', 2], ['FAILED', 2], ['FINISHED', 1]]);
  t.regex(row(1).reason!, /injected fault: this trial throws/);
  t.regex(row(2).reason!, /worker thread died \(exit code 3\)/);
  const runs = await storeRuns(store);
  t.deepEqual(trialRuns(runs, out.sweepId, 1).map((x) => [x.info.status, x.tags['odelab.sweep.attempt']]), [['FAILED', '1'], ['FAILED', '2']]);
  for (const c of trialRuns(runs, out.sweepId, 2)) t.is(c.tags['odelab.failure_code'], 'WORKER_LOST');
  t.is(trialRuns(runs, out.sweepId, 2).length, 2);
  const parent = runs.find((x) => x.info.runId === out.sweepId)!;
  t.regex(parent.params['sweep.code_hash']!, /^[0-9a-f]{64}$/);
});

test.serial('the scheduler killed mid-sweep: --resume picks the sweep up from Redis and no trial runs twice', async (t) => {
  const { store, env, worker, sweepArgs } = await setup(t, 'resume');
  const w = worker(1);
  await w.waitFor(/Ctrl-C to stop/);
  const first = startOdelab(sweepArgs('--set', 'train.steps=80'), env);
  const queued = await first.waitFor(/sweep (\w+): trials queued on redis:\/\/127\.0\.0\.1:\d+\/0/);
  const sweepId = queued[1]!;
  await first.waitFor(/sweep: 1\/4 done/);
  first.kill('SIGKILL');
  await first.exited;
  await w.waitFor(/trial \d+ attempt 1 of sweep \w+ \([^)]*\): FINISHED[\s\S]*trial \d+ attempt 1 of sweep \w+ \([^)]*\): FINISHED/); // more finish meanwhile

  const second = await odelab(sweepArgs('--set', 'train.steps=80', '--resume', sweepId, '--json'), { env });
  t.is(second.code, 0, second.stderr);
  const out = JSON.parse(second.stdout) as SweepJson;
  t.is(out.sweepId, sweepId);
  t.deepEqual(out.rows.map((x) => [x.trial, x.state, x.attempts]).sort(), [[0, 'FINISHED', 1], [1, 'FINISHED', 1], [2, 'FINISHED', 1], [3, 'FINISHED', 1]]);
  const runs = await storeRuns(store);
  for (const i of [0, 1, 2, 3]) t.deepEqual(trialRuns(runs, sweepId, i).map((x) => x.info.status), ['FINISHED'], `trial ${i}`);
  t.is(runs.find((x) => x.info.runId === sweepId)!.info.status, 'FINISHED');
  t.is((w.stdout().match(/: took it/g) ?? []).length, 4); // each trial taken once
  t.deepEqual(await jobsLeft(env.ODELAB_QUEUE_PREFIX, sweepId), []);

  // Resuming a queued sweep without the queue could run trials twice: refused.
  const local = await odelab(['sweep', EXPERIMENT, '--tracking-uri', store, '--set', 'train.steps=80', '--resume', sweepId], { env });
  t.is(local.code, 2);
  t.regex(local.stderr, /--resume: sweep \w+ was queued on redis:\/\/127\.0\.0\.1:\d+\/0; resume it with --queue URL/);
});

test.serial('bad queue input exits 2 before any work, and a password never shows', async (t) => {
  const { store, env, sweepArgs } = await setup(t, 'input');
  const run = (args: string[]) => odelab(args, { env });
  const scheme = await run(['sweep', EXPERIMENT, '--queue', 'http://127.0.0.1:1', '--tracking-uri', store]);
  t.is(scheme.code, 2);
  t.regex(scheme.stderr, /--queue has scheme 'http'; expected redis:\/\//);
  const flag = await run([...sweepArgs('--workers', '2')]);
  t.is(flag.code, 2);
  t.regex(flag.stderr, /--workers does not apply with --queue/);
  const down = await run(['sweep', EXPERIMENT, '--queue', 'redis://alice:s3cret-pw@127.0.0.1:1/2', '--tracking-uri', store]);
  t.is(down.code, 2);
  t.regex(down.stderr, /--queue: cannot use Redis at redis:\/\/\*\*\*@127\.0\.0\.1:1\/2/);
  t.notRegex(down.stderr + down.stdout, /s3cret|alice/);
  const badEnv = await odelab(['worker', '--queue', redis.url], { env: { ...env, ODELAB_QUEUE_LOCK_MS: '10' } });
  t.is(badEnv.code, 2);
  t.regex(badEnv.stderr, /ODELAB_QUEUE_LOCK_MS must be an integer ≥ 1000, got '10'/);
  await t.throwsAsync(readdir(store)); // nothing was created
});
