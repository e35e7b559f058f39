// Cranmer et al.'s energy metric and the mechanical evaluation: about 0 on the
// true dynamics, large on wrong dynamics, and well-formed SVG plots.
import test from 'ava';
import { initBackend, Rng } from 'odelab';
import { DIVERGED_ENERGY_FACTOR, energyMetric, energyStarts, potentialScale, truthRollout } from '../../../core/eval/mechanics.ts';
import { builtinSystem, dopri8 } from '../../helpers/builtins.ts';
import { energyFigure, energyPlot } from '../../../core/eval/mechanics-plots.ts';
import { byClass, parseSvg, texts } from '../../helpers/svg.ts';

const system = builtinSystem;
const truth = () => dopri8(1e-10, 1e-12);
const cfg = { energyStarts: 6, energyMaxVelocity: 0.1, energyTime: 20, energyFrames: 200 };

test.before(async () => {
  await initBackend('cpu');
});

test('the energy metric of the true dynamics is about 0, and its scale is max|V| = 29.4 for the double pendulum', (t) => {
  const dp = system('double-pendulum');
  const r = energyMetric(dp, truthRollout(dp, truth()), truthRollout(dp, truth()), cfg, new Rng(1));
  t.true(r.eval_energy_error_pct < 1e-6, `${r.eval_energy_error_pct}`);
  t.true(r.eval_energy_drift_pct < 1e-6);
  t.true(Math.abs(r.eval_energy_scale - 29.4) < 0.3, `${r.eval_energy_scale}`);
  t.is(r.t.length, 200);
  t.is(r.predicted.length, 6);
});

test('wrong dynamics give a large energy error', (t) => {
  const dp = system('double-pendulum');
  const wrong = system('double-pendulum', { g: 12 });
  const r = energyMetric(dp, truthRollout(wrong, truth()), truthRollout(dp, truth()), cfg, new Rng(1));
  t.true(r.eval_energy_error_pct > 1, `${r.eval_energy_error_pct}`);
});

test('energy starts: random angles in [0, 2π), velocities in [0, energyMaxVelocity)', (t) => {
  const starts = energyStarts(system('double-pendulum'), { energyStarts: 200, energyMaxVelocity: 0.1 }, new Rng(3));
  t.true(starts.every((x) => x[0]! >= 0 && x[0]! < 2 * Math.PI && x[2]! >= 0 && x[2]! < 0.1 && x[3]! >= 0 && x[3]! < 0.1));
  const spread = Math.max(...starts.map((x) => x[1]!)) - Math.min(...starts.map((x) => x[1]!));
  t.true(spread > 5);
});

test('potential scale without angles comes from the given states', (t) => {
  const ho = system('harmonic-oscillator');
  t.is(potentialScale(ho, [Float64Array.of(2, 0), Float64Array.of(-1, 3)], new Rng(1)), 2);
});

test('the energy plot is a well-formed SVG with its panels, series and axis titles', (t) => {
  const dp = system('double-pendulum');
  const r = energyMetric(dp, truthRollout(dp, truth()), truthRollout(dp, truth()), { ...cfg, energyStarts: 2 }, new Rng(1));
  const spec = energyFigure(r);
  const { root, width, height } = parseSvg(energyPlot(r));
  t.true(width > 100 && height > 100);
  const panels = byClass(root, 'panel');
  t.is(panels.length, spec.panels.length);
  panels.forEach((panel, i) => t.is(byClass(panel, 'series').length, spec.panels[i]!.series.length, `panel ${i}`));
  const shown = texts(root);
  t.true(shown.some((s) => s.startsWith('|E_model − E_true| (% of')), shown.join(' | '));
});

test('a start whose rollout blows up is counted; the finite mean and the median leave it out', (t) => {
  const dp = system('double-pendulum');
  const good = truthRollout(dp, truth());
  // The true dynamics, except that the second start's states become NaN from frame 50 on.
  const broken = (starts: readonly Float64Array[], times: readonly number[]) =>
    good(starts, times).map((xs, k) => (k === 1 ? xs.map((x, p) => (p >= 50 ? x.map(() => NaN) : x)) : xs));
  const r = energyMetric(dp, broken, good, { ...cfg, energyStarts: 5 }, new Rng(1));
  t.is(r.eval_energy_diverged, 1);
  t.is(r.eval_energy_error_pct, Infinity);
  t.true(r.eval_energy_error_finite_pct < 1e-6);
  t.true(r.eval_energy_error_median_pct < 1e-6);
});

test('a rollout that blows up to huge but finite states counts as diverged, so no finite 1e13 % is reported with nothing diverged', (t) => {
  const dp = system('double-pendulum');
  const good = truthRollout(dp, truth());
  // The third start's angular velocities grow to 1e7 rad/s (kinetic energy ~1e14) but stay finite.
  const exploding = (starts: readonly Float64Array[], times: readonly number[]) =>
    good(starts, times).map((xs, k) => (k === 2 ? xs.map((x, p) => (p >= 100 ? Float64Array.of(x[0]!, x[1]!, 1e7, -1e7) : x)) : xs));
  const r = energyMetric(dp, exploding, good, { ...cfg, energyStarts: 5 }, new Rng(1));
  t.is(r.eval_energy_diverged, 1);
  t.is(r.eval_energy_error_pct, Infinity);
  t.is(r.eval_energy_drift_pct, Infinity);
  t.true(r.eval_energy_error_finite_pct < 1e-6, `${r.eval_energy_error_finite_pct}`);
});

test('a large energy error below DIVERGED_ENERGY_FACTOR × max|V| is reported as it is, not as diverged', (t) => {
  const dp = system('double-pendulum');
  const good = truthRollout(dp, truth());
  // Every predicted state carries extra angular velocity: an energy error of a few times max|V|, finite.
  const offset = (starts: readonly Float64Array[], times: readonly number[]) =>
    good(starts, times).map((xs) => xs.map((x) => Float64Array.of(x[0]!, x[1]!, x[2]! + 6, x[3]!)));
  const r = energyMetric(dp, offset, good, { ...cfg, energyStarts: 4 }, new Rng(1));
  t.is(r.eval_energy_diverged, 0);
  t.true(Number.isFinite(r.eval_energy_error_pct) && r.eval_energy_error_pct > 50 && r.eval_energy_error_pct < 100 * DIVERGED_ENERGY_FACTOR, `${r.eval_energy_error_pct}`);
  t.is(r.eval_energy_error_pct, r.eval_energy_error_finite_pct);
});
