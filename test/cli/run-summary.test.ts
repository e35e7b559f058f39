// The summary `odelab run` prints: the headline metrics a run logged, each
// with what a good value is; the plots and the experiment's next command.
import test from 'ava';
import { createRegistry } from 'odelab/node';
import { resolveExperiment } from '../../core/config/resolve.ts';
import { formatRunSummary } from '../../core/cli/run-summary.ts';
import type { RunSummary } from '../../core/run/runner.ts';

const registry = createRegistry();
const lnn = resolveExperiment(
  {
    name: 'dp',
    next: 'npx odelab run x.ts',
    system: { name: 'double-pendulum' },
    model: { name: 'lnn', hidden: [16, 16] },
    integrator: { name: 'rk4', step: 0.01 },
    train: { objective: { name: 'acceleration' }, steps: 10 },
    eval: { energyStarts: 7, energyTime: 5 },
  },
  registry,
);
const summary = (metrics: Record<string, number>, status: RunSummary['status'] = 'FINISHED'): RunSummary => ({
  runId: 'abc',
  experimentId: '12',
  status,
  backend: 'wasm',
  params: {},
  metrics,
  durationMs: 1234,
  artifactUri: 'file:///store/12/abc/artifacts',
});

test('a mechanical run: the energy metric first, with its horizon, starts and what good is; the plots; next', (t) => {
  const lines = formatRunSummary(summary({ eval_energy_error_pct: 3.5, eval_energy_error_median_pct: 2, eval_energy_diverged: 0, eval_accel_rel: 0.05, train_loss: 1.5, lnn_solves: 9 }), lnn, './store');
  const text = lines.join('\n');
  t.regex(lines[0]!, /^run abc FINISHED in 1\.2 s on backend wasm$/);
  t.regex(text, /trained: lnn 16×16 on double-pendulum, acceleration regression, 10 steps/);
  t.regex(text, /energy error at t = 5 \(% of max\|V\|, mean\) +3\.50 % +a few % or less/);
  t.regex(text, /median of 7 starts +2\.00 %/);
  t.regex(text, /acceleration error .* +5\.00 %/);
  t.regex(text, /all metrics \(6\): (\.\/)?store\/12\/abc\/metrics\//);
  t.regex(text, /plots: (\.\/)?store\/12\/abc\/artifacts\/plots\//);
  t.is(lines.at(-1), '  next: npx odelab run x.ts');
  t.notRegex(text, /lnn_solves/, 'diagnostics are not headlines');
});

test('metrics a run did not log are not shown; a failed run shows its reason and no plots', (t) => {
  const failed = { ...summary({ train_loss: Number.NaN }, 'FAILED'), reason: 'non-finite loss at step 3' };
  const text = formatRunSummary(failed, lnn, 'http://mlflow:5000').join('\n');
  t.regex(text, /reason: non-finite loss at step 3/);
  t.notRegex(text, /energy/);
  t.notRegex(text, /plots:/);
  t.regex(text, /all metrics \(1\): file:\/\/\/store\/12\/abc\/artifacts/);
});
