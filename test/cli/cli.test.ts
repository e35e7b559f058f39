// The odelab command line, end to end in child processes: exit codes, messages, the JSON summary, the store.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, selectTracker, type RunSummary } from 'odelab/node';
import { odelab } from '../helpers/cli.ts';
import { byClass, parseSvg } from '../helpers/svg.ts';

const TINY = 'test/fixtures/experiments/tiny.ts';
const dirs: string[] = [];
const store = () => {
  const d = mkdtempSync(join(tmpdir(), 'odelab-cli-'));
  dirs.push(d);
  return join(d, 'mlruns');
};
test.after.always(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('a bad value exits 2 and names its path, before any work', async (t) => {
  const uri = store();
  const r = await odelab(['run', TINY, '--set', 'train.lr=-1', '--tracking-uri', uri]);
  t.is(r.code, 2);
  t.regex(r.stderr, /train\.lr must be a positive number, got -1/);
  t.is(r.stdout, '');
  t.false(existsSync(uri), 'nothing was written');
});

test('a misspelt plugin name exits 2 and lists the available names', async (t) => {
  const r = await odelab(['run', TINY, '--set', 'model.name=mlpp', '--tracking-uri', store()]);
  t.is(r.code, 2);
  t.regex(r.stderr, /model\.name: unknown model plugin 'mlpp'; available: 'delan', 'hnn', 'lnn', 'mlp', 'resnet'/);
});

test('usage errors exit 2', async (t) => {
  for (const args of [['run', TINY, '--bogus'], ['run'], ['frobnicate'], ['run', TINY, '--backend', 'gpu'], ['run', TINY, '--seed', '-1'], []]) {
    const r = await odelab(args);
    t.is(r.code, 2, args.join(' '));
  }
  const missing = await odelab(['run', 'no/such/file.ts']);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /experiment file not found/);
});

test('a native backend that is not installed exits 2 saying how to install it', async (t) => {
  const r = await odelab(['run', TINY, '--backend', 'tensorflow', '--tracking-uri', store()]);
  t.is(r.code, 2);
  t.regex(r.stderr, /npm install @tensorflow\/tfjs-node@4\.22\.0/);
  const env = await odelab(['run', TINY, '--tracking-uri', store()], { env: { ODELAB_BACKEND: 'tensorflow-gpu' } });
  t.is(env.code, 2);
  t.regex(env.stderr, /@tensorflow\/tfjs-node-gpu/);
  const bad = await odelab(['run', TINY], { env: { ODELAB_BACKEND: 'cuda' } });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /ODELAB_BACKEND must be one of/);
});

test('--json prints the summary; the run is FINISHED in the store with params, tags and metric histories', async (t) => {
  const uri = store();
  const r = await odelab(['run', TINY, '--json', '--quiet', '--tracking-uri', uri, '--backend', 'cpu']);
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as RunSummary;
  t.deepEqual(Object.keys(summary).sort(), ['artifactUri', 'backend', 'durationMs', 'experimentId', 'metrics', 'params', 'runId', 'status'].sort());
  t.is(summary.status, 'FINISHED');
  t.is(summary.backend, 'cpu');
  t.is(summary.params['train.lr'], '0.01');
  for (const k of ['train_loss', 'eval_rollout_mae', 'eval_segment_loss', 'wall_time_s', 'steps_per_s']) t.true(Number.isFinite(summary.metrics[k]), k);
  const tracker = selectTracker(createRegistry(), uri);
  const run = await tracker.getRun(summary.runId);
  t.is(run.info.status, 'FINISHED');
  t.is(run.params['model.hidden'], '[16]');
  t.is(run.tags['odelab.backend'], 'cpu');
  t.is(run.tags['odelab.seed'], '0');
  t.regex(run.tags['odelab.kernels'] ?? '', /^(openblas \(\w+ kernels\) dgemm|js \()/, 'which matrix kernels the run used (docs/kernels.md)');
  t.is(run.tags['mlflow.source.name'], 'tiny.ts');
  t.truthy(run.tags['mlflow.user']);
  t.is(run.tags['mlflow.runName'], run.info.runName);
  const history = await tracker.getMetricHistory(summary.runId, 'train_loss');
  t.deepEqual(history.map((m) => m.step), [4, 8, 12]);
});

test('the same seed on the same backend gives the same metrics', async (t) => {
  const run = async (seed: string) => {
    const r = await odelab(['run', TINY, '--json', '--quiet', '--seed', seed, '--tracking-uri', store(), '--backend', 'cpu']);
    const m = (JSON.parse(r.stdout) as RunSummary).metrics;
    return Object.fromEntries(Object.entries(m).filter(([k]) => !/time|per_s/.test(k)));
  };
  const a = await run('3');
  t.deepEqual(await run('3'), a);
  t.notDeepEqual(await run('4'), a);
});

test('a non-finite loss fails the run at once: exit 1, FAILED with the reason as a tag', async (t) => {
  const uri = store();
  const r = await odelab(['run', 'test/fixtures/experiments/diverges.ts', '--json', '--quiet', '--tracking-uri', uri]);
  t.is(r.code, 1, r.stderr);
  const summary = JSON.parse(r.stdout) as RunSummary;
  t.is(summary.status, 'FAILED');
  const run = await selectTracker(createRegistry(), uri).getRun(summary.runId);
  t.is(run.info.status, 'FAILED');
  t.regex(run.tags['odelab.failure_reason'] ?? '', /training loss became (NaN|Infinity|-Infinity) at step \d+/);
  t.is(run.tags['odelab.failure_code'], 'NUMERICAL_NON_FINITE');
});

test('Ctrl-C marks the run KILLED and exits 130', async (t) => {
  const uri = store();
  let sent = false;
  const r = await odelab(['run', TINY, '--json', '--set', 'train.steps=1000000', '--tracking-uri', uri], {
    // Event-driven, not timed: the second progress line comes seconds into training, after metrics were logged.
    onStderr: (text, child) => {
      if (!sent && (text.match(/^step \d+\//gm) ?? []).length >= 2) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  t.is(r.code, 130, r.stderr);
  const summary = JSON.parse(r.stdout) as RunSummary;
  t.is(summary.status, 'KILLED');
  const run = await selectTracker(createRegistry(), uri).getRun(summary.runId);
  t.is(run.info.status, 'KILLED');
  t.true((await selectTracker(createRegistry(), uri).getMetricHistory(summary.runId, 'train_loss')).length > 0, 'logged metrics are kept');
});

test('plugins --json lists every kind; --plugin adds a module', async (t) => {
  const r = await odelab(['plugins', '--json', '--plugin', 'test/fixtures/my-physics.ts']);
  t.is(r.code, 0, r.stderr);
  const listing = JSON.parse(r.stdout) as Record<string, { name: string; description: string; options: object }[]>;
  t.deepEqual(Object.keys(listing), ['system', 'model', 'integrator', 'gradient', 'tracker']);
  const names = (kind: string) => listing[kind]!.map((p) => p.name);
  t.true(names('system').includes('free-particle'));
  t.true(names('system').includes('spiral'));
  t.true(['adjoint', 'backprop'].every((n) => names('gradient').includes(n)));
  // Integrators carry their capabilities.
  const integrator = (name: string) => listing.integrator!.find((p) => p.name === name) as unknown as Record<string, unknown>;
  t.like(integrator('radau5'), { adaptive: true, implicit: true, float64Only: true, symplectic: false });
  t.like(integrator('leapfrog'), { symplectic: true, requiresSeparable: true, implicit: false });
  t.like(integrator('implicit-midpoint'), { symplectic: true, implicit: true, requiresSeparable: false });
  t.true(names('tracker').includes('mlflow-file'));
  t.truthy(listing.model!.find((p) => p.name === 'mlp')!.options);
});

test('an experiment that lists a plugin module runs with it', async (t) => {
  const r = await odelab(['run', 'test/fixtures/experiments/with-plugin.ts', '--json', '--quiet', '--tracking-uri', store()]);
  t.is(r.code, 0, r.stderr);
  t.is((JSON.parse(r.stdout) as RunSummary).params['system.name'], 'free-particle');
});

test('an LNN run logs the mechanical metrics, the solve counters and four SVG plots', async (t) => {
  const uri = store();
  const r = await odelab(['run', 'test/fixtures/experiments/lnn-tiny.ts', '--json', '--quiet', '--tracking-uri', uri, '--backend', 'wasm']);
  t.is(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as RunSummary;
  t.is(summary.status, 'FINISHED');
  for (const k of ['eval_accel_mae', 'eval_accel_rel', 'eval_energy_error_pct', 'eval_energy_drift_pct', 'eval_energy_scale', 'lnn_damped_fraction']) {
    t.true(Number.isFinite(summary.metrics[k]), k);
  }
  t.is(summary.metrics.lnn_solves! > 0, true);
  t.is(summary.params['train.objective.name'], 'acceleration');
  const artifacts = new URL(summary.artifactUri).pathname;
  for (const name of ['trajectory', 'phase', 'energy', 'accelerations']) {
    const { root } = parseSvg(readFileSync(join(artifacts, 'plots', `${name}.svg`)));
    t.true(byClass(root, 'series').length >= 2, name);
  }
  t.true(existsSync(join(artifacts, 'model', 'weights.json')));
});

test('the acceleration objective with a model that cannot predict accelerations exits 2 before any work', async (t) => {
  const r = await odelab(['run', 'test/fixtures/experiments/lnn-tiny.ts', '--set', 'model={"name":"mlp"}', '--tracking-uri', store()]);
  t.is(r.code, 2);
  t.regex(r.stderr, /train\.objective\.name: 'acceleration' needs a model that predicts accelerations.*model\.output = 'acceleration'/);
});
