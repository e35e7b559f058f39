import test from 'ava';
import { choice, grid, loguniform, randint, uniform } from '../../../core/config/space.ts';
import { expandSweep, trialOverrides } from '../../../core/sweep/expand.ts';
import { applyOverrides } from '../../../core/config/overrides.ts';

test('grid axes are crossed and the grid is repeated `trials` times (Ray Tune: grid × num_samples)', (t) => {
  const trials = expandSweep({ parameters: { 'train.lr': grid([0.1, 0.01]), 'model.hidden': grid([[8], [16], [32]]), seed: randint(0, 100) }, trials: 4 }, 1);
  t.is(trials.length, 24);
  t.deepEqual(trials.map((x) => x.index), [...Array(24).keys()]);
  // Each grid point appears once per repeat.
  const points = trials.slice(0, 6).map((x) => JSON.stringify([x.params['train.lr'], x.params['model.hidden']]));
  t.is(new Set(points).size, 6);
  for (let r = 1; r < 4; r++) {
    t.deepEqual(trials.slice(6 * r, 6 * r + 6).map((x) => JSON.stringify([x.params['train.lr'], x.params['model.hidden']])), points);
  }
  // The random axis is drawn afresh for every trial.
  t.true(new Set(trials.map((x) => x.params.seed)).size > 10);
});

test('each distribution stays in its bounds and covers them', (t) => {
  const n = 4000;
  const trials = expandSweep(
    { parameters: { u: uniform(-2, 3), l: loguniform(1e-4, 1e-1), r: randint(3, 7), c: choice(['a', 'b', 'c']) }, trials: n },
    7,
  );
  const col = (k: string) => trials.map((x) => x.params[k] as number);
  const u = col('u');
  t.true(u.every((v) => v >= -2 && v < 3));
  t.true(Math.abs(u.reduce((a, b) => a + b, 0) / n - 0.5) < 0.1); // mean 0.5, sd 5/√12/√n ≈ 0.023
  const l = col('l').map(Math.log10);
  t.true(l.every((v) => v >= -4 && v < -1));
  t.true(Math.abs(l.reduce((a, b) => a + b, 0) / n + 2.5) < 0.05); // uniform in log10 on [-4, -1)
  t.deepEqual([...new Set(col('r'))].sort(), [3, 4, 5, 6]); // upper bound exclusive
  const counts = ['a', 'b', 'c'].map((c) => trials.filter((x) => x.params.c === c).length);
  t.true(counts.every((k) => Math.abs(k - n / 3) < 150));
});

test('the same seed gives the same trials; another seed different ones', (t) => {
  const sweep = { parameters: { 'train.lr': loguniform(1e-4, 1e-2), 'model.hidden': grid([[8], [16]]) }, trials: 3 };
  t.deepEqual(expandSweep(sweep, 42), expandSweep(sweep, 42));
  t.notDeepEqual(expandSweep(sweep, 42), expandSweep(sweep, 43));
});

test('trial overrides apply through the --set machinery, arrays and strings intact', (t) => {
  const [trial] = expandSweep({ parameters: { 'model.hidden': grid([[8, 8]]), 'model.activation': choice(['tanh']), 'train.lr': grid([0.5]) }, trials: 1 }, 0);
  const spec = applyOverrides({ model: { name: 'mlp' }, train: { lr: 1 } }, trialOverrides(trial!.params));
  t.deepEqual(spec, { model: { name: 'mlp', hidden: [8, 8], activation: 'tanh' }, train: { lr: 0.5 } });
});
