// The metric names a run logs, predicted from its config (core/run/logged-metrics.ts), against what real short
// runs log: a metric added to the runner, the evaluation or a model's diagnostics without being listed fails here.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRegistry, loadExperiment, type RunSummary } from 'odelab/node';
import { CONDITIONAL_METRICS, loggedMetricNames, trainingMetricNames } from '../../../core/run/logged-metrics.ts';
import { odelab } from '../../helpers/cli.ts';

const root = mkdtempSync(join(tmpdir(), 'odelab-metrics-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

async function predicted(experiment: string, overrides: string[]): Promise<string[]> {
  const loaded = await loadExperiment(experiment, createRegistry(), { overrides });
  return loggedMetricNames(loaded.resolved);
}

async function logged(experiment: string, overrides: string[]): Promise<string[]> {
  const args = ['run', experiment, '--json', '--quiet', '--backend', 'cpu', '--tracking-uri', join(root, 'mlruns'), ...overrides.flatMap((o) => ['--set', o])];
  const r = await odelab(args);
  if (r.code !== 0) throw new Error(`odelab ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  const summary = JSON.parse(r.stdout) as RunSummary;
  if (summary.status !== 'FINISHED') throw new Error(`run ${summary.status}: ${summary.reason}`);
  return Object.keys(summary.metrics).sort();
}

const cases: [string, string, string[]][] = [
  ['a spiral run with backprop (no backward solve)', 'test/fixtures/experiments/tiny.ts', []],
  ['a spiral run with the adjoint (a backward solve)', 'test/fixtures/experiments/tiny.ts', ['gradient={"name":"adjoint"}', 'train.steps=4']],
  ['an LNN on a mechanical system, acceleration objective (mechanics metrics, lnn_* counters)', 'test/fixtures/experiments/lnn-tiny.ts', []],
];

for (const [title, experiment, overrides] of cases) {
  test(`${title}: the logged names are the predicted ones`, async (t) => {
    const [want, got] = await Promise.all([predicted(experiment, overrides), logged(experiment, overrides)]);
    t.deepEqual(got.filter((m) => !want.includes(m)), [], 'logged but not predicted');
    // Only a metric that depends on what the gradient strategy does may be predicted and not logged.
    t.deepEqual(want.filter((m) => !got.includes(m) && !CONDITIONAL_METRICS.includes(m)), [], 'predicted but not logged');
    if (overrides.some((o) => o.includes('adjoint'))) t.deepEqual(got, want, 'the adjoint logs every predicted name');
  });
}

test('what depends on the config: mechanics and diagnostics, the backward solve of the trajectory objective', async (t) => {
  const spiral = await predicted('test/fixtures/experiments/tiny.ts', []);
  const lnn = await predicted('test/fixtures/experiments/lnn-tiny.ts', []);
  t.true(spiral.includes('train_nfe_backward') && !lnn.includes('train_nfe_backward'));
  t.false(spiral.some((m) => m.startsWith('eval_energy') || m.startsWith('lnn_')));
  t.true(['eval_energy_error_pct', 'eval_accel_mae', 'lnn_damped_fraction', 'eval_rollout_mae'].every((m) => lnn.includes(m)));
  const loaded = await loadExperiment('test/fixtures/experiments/lnn-tiny.ts', createRegistry());
  t.deepEqual(trainingMetricNames(loaded.resolved), ['train_loss', 'train_lr', 'train_nfe_forward']);
});
