// `odelab run` against a local MLflow server (test/helpers/fake-mlflow-server.ts,
// MLflow's REST API and error codes) over HTTP, end to end in a child process:
// everything a run logs is visible through the API; the server stopped and
// restarted mid-run loses no metric point and gets none twice; a training
// process killed mid-run is delivered by `odelab sync`.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMlflowServer, type FakeRun } from '../helpers/fake-mlflow-server.ts';
import { odelab, ROOT } from '../helpers/cli.ts';
import { byClass, parseSvg } from '../helpers/svg.ts';

const TINY = join(ROOT, 'test/fixtures/experiments/tiny.ts');

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'odelab-mlflow-e2e-'));
  const server = await FakeMlflowServer.start();
  t.teardown(async () => {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  const env = {
    MLFLOW_TRACKING_URI: server.url,
    ODELAB_SPOOL_DIR: join(dir, 'spool'),
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '5',
    ODELAB_FLUSH_TIMEOUT: '60',
  };
  return { dir, server, env };
}

/** Steps of every train_loss point in requests the server answered 200, sorted (a point sent twice shows twice). */
function acceptedSteps(server: FakeMlflowServer, runId: string): number[] {
  const steps: number[] = [];
  for (const r of server.requestsTo('mlflow/runs/log-batch', 'POST')) {
    if (r.status !== 200) continue;
    const body = JSON.parse(r.body.toString()) as { run_id: string; metrics?: { key: string; step: number }[] };
    if (body.run_id !== runId) continue;
    for (const m of body.metrics ?? []) if (m.key === 'train_loss') steps.push(m.step);
  }
  return steps.sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

test('a run logs params, metric histories, tags, the model and plots through the REST API', async (t) => {
  const { server, env } = await setup(t);
  const r = await odelab(['run', TINY, '--json'], { env });
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { runId: string; status: string };
  t.is(summary.status, 'FINISHED');
  const run: FakeRun = server.run(summary.runId);
  t.is(run.status, 'FINISHED');
  t.truthy(run.endTime);
  t.is(server.experiments().find((e) => e.experimentId === run.experimentId)!.name, 'tiny');
  t.is(run.params['train.lr'], '0.01');
  t.is(run.tags['mlflow.source.name'], 'tiny.ts');
  t.is(run.tags['mlflow.source.type'], 'LOCAL');
  t.truthy(run.tags['mlflow.user']);
  t.deepEqual(acceptedSteps(server, summary.runId), [4, 8, 12]);
  t.true(run.metrics.some((m) => m.key === 'eval_rollout_mae'));
  const artifacts = Object.keys(server.runArtifacts(summary.runId)).sort();
  for (const f of ['config.json', 'model/MLmodel', 'model/config.json', 'model/weights.bin', 'model/weights.json', 'plots/trajectories.svg']) t.true(artifacts.includes(f), f);
  t.true(byClass(parseSvg(server.runArtifacts(summary.runId)['plots/trajectories.svg']!).root, 'series').length >= 2, 'the plot arrived whole');
  // Every POST carried the JSON content type (the server answers 400 otherwise).
  t.true(server.requests.filter((q) => q.method === 'POST').every((q) => q.status === 200));
  // `odelab eval` reads the model back through the server.
  const ev = await odelab(['eval', `runs:/${summary.runId}/model`, '--json'], { env });
  t.is(ev.code, 0, ev.stderr);
  const metrics = JSON.parse(ev.stdout) as { metrics: Record<string, number> } & Record<string, unknown>;
  const latest = (k: string) => run.metrics.filter((m) => m.key === k).at(-1)!.value;
  t.is((metrics.metrics ?? metrics).eval_rollout_mae as number, latest('eval_rollout_mae'));
});

test('the server stopped and restarted mid-run: the run goes on and every metric point arrives exactly once', async (t) => {
  const { server, env } = await setup(t);
  const steps = 400;
  const child = odelab(['run', TINY, '--json', '--set', `train.steps=${steps}`, '--set', 'train.logEvery=1'], { env });
  await waitFor('the first metric points', () => server.runs().some((r) => r.metrics.some((m) => m.key === 'train_loss')));
  await server.stop();
  await sleep(2500);
  await server.start();
  const r = await child;
  t.is(r.code, 0, r.stderr);
  const { runId } = JSON.parse(r.stdout) as { runId: string };
  t.deepEqual(acceptedSteps(server, runId), range(1, steps));
  t.true(server.requests.some((q) => q.status === 0) || server.requestsTo('mlflow/runs/log-batch').length > 1);
  t.is(server.run(runId).status, 'FINISHED');
});

test('a training process killed mid-run: `odelab sync` delivers its spool and ends the run FAILED', async (t) => {
  const { server, env, dir } = await setup(t);
  let killedAt = 0;
  let proc: { kill(signal: NodeJS.Signals): boolean } | undefined;
  const child = odelab(['run', TINY, '--set', 'train.steps=100000', '--set', 'train.logEvery=1'], { env, onStderr: (_text, c) => (proc ??= c) });
  await waitFor('the first metric points', () => server.runs().some((r) => r.metrics.some((m) => m.key === 'train_loss')));
  await server.stop(); // records now pile up in the spool
  await sleep(1500);
  const [run] = server.runs();
  const before = acceptedSteps(server, run!.runId).length;
  killedAt = Date.now();
  proc!.kill('SIGKILL');
  const r = await child;
  t.is(r.signal, 'SIGKILL');
  await server.start();
  t.is(server.run(run!.runId).status, 'RUNNING');
  const sync = await odelab(['sync', '--json'], { env });
  t.is(sync.code, 0, sync.stderr + sync.stdout);
  const steps = acceptedSteps(server, run!.runId);
  t.true(steps.length > before, `${steps.length} > ${before}`);
  t.deepEqual(steps, range(1, steps.length)); // all of them, none twice
  const after = server.run(run!.runId);
  t.is(after.status, 'FAILED');
  t.regex(after.tags['odelab.failure_reason']!, /ended without finishing|odelab sync/);
  t.true(after.endTime! <= killedAt + 1000);
  void dir;
});
