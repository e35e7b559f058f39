// What the trajectory plots are drawn from: dense samples through the evaluated frames, and whether a trajectory was held out.
import test from 'ava';
import { Rng, tf } from 'odelab';
import type { Model, System } from 'odelab/plugin';
import { createRegistry, generateDataset, groundTruth, timeGrid } from 'odelab/node';
import { dataSchema } from '../../../core/config/experiment.ts';
import { sampleCurve } from '../../../core/eval/curve-samples.ts';
import { isHeldOut, plotTrajectories } from '../../../core/eval/plotted-trajectories.ts';
import { builtinSystem, dopri8 } from '../../helpers/builtins.ts';

const registry = createRegistry();
const system = builtinSystem;
const truthIntegrator = () => dopri8(1e-10, 1e-12);
const dataset = (sys: System, data: object, seed = 3) => generateDataset(sys, truthIntegrator(), dataSchema.parse(data, 'data'), new Rng(seed));

/** A stand-in model whose field is the system's own (so its rollout is the truth, up to the integrator). */
function exactModel(sys: System): Model {
  return {
    vectorField: (t: number, x: tf.Tensor) => {
      const rows = x.arraySync() as number[][];
      return tf.tensor2d(rows.map((r) => Array.from(sys.derivative(t, Float64Array.from(r)))));
    },
  } as unknown as Model;
}

/**
 * How far a polyline through (t, x) strays from the true curve, in the
 * plane of components i and j, each scaled by the curve's range there: the
 * largest distance between the line's linear interpolation and the curve at
 * 20 times per segment (an upper bound on the distance a reader sees).
 * @param exact the true states at the given increasing times.
 */
function strayFrom(curve: { t: readonly number[]; x: readonly ArrayLike<number>[] }, exact: (times: number[]) => ArrayLike<number>[], i: number, j: number): number {
  const at = curve.t.flatMap((_, p) => (p === 0 ? [] : Array.from({ length: 20 }, (_, k) => [p, k / 20] as const)));
  const times = at.map(([p, a]) => curve.t[p - 1]! + a * (curve.t[p]! - curve.t[p - 1]!));
  const truth = exact(times);
  const range = (d: number) => {
    const v = curve.x.map((x) => x[d]!);
    return Math.max(...v) - Math.min(...v);
  };
  const [ri, rj] = [range(i), range(j)];
  let worst = 0;
  at.forEach(([p, a], q) => {
    const line = (d: number) => curve.x[p - 1]![d]! + a * (curve.x[p]![d]! - curve.x[p - 1]![d]!);
    worst = Math.max(worst, Math.hypot((line(i) - truth[q]![i]!) / ri, (line(j) - truth[q]![j]!) / rj));
  });
  return worst;
}

test('sampleCurve keeps every frame exactly and follows the true curve between frames far better than chords', (t) => {
  // x = cos t, x' = -sin t on frames half a radian apart.
  const frames = timeGrid(10, 21);
  const x = frames.map((s) => Float64Array.of(Math.cos(s), -Math.sin(s)));
  const dxdt = frames.map((s) => Float64Array.of(-Math.sin(s), -Math.cos(s)));
  const out = sampleCurve(frames, x, dxdt);
  t.true(out.t.length >= 500, `${out.t.length} samples`);
  for (const [p, s] of frames.entries()) {
    const j = out.t.indexOf(s);
    t.true(j >= 0, `frame ${p} kept`);
    t.deepEqual(Array.from(out.x[j]!), Array.from(x[p]!));
  }
  const err = Math.max(...out.t.map((s, j) => Math.abs(out.x[j]![0]! - Math.cos(s))));
  // The cubic Hermite error is about h⁴/384 = 1.6e-4; straight chords would be off by h²/8 = 0.03.
  t.true(err < 5e-4, `max error ${err}`);
  t.true(out.t.every((s, j) => j === 0 || s > out.t[j - 1]!), 'times increase');
});

test('sampleCurve adds pieces where the curve bends, not where it runs straight', (t) => {
  // A straight line from 0 to 1, then a sharp bend from slope 1 to slope -1 over the last interval.
  const frames = [0, 1, 2, 3];
  const x = [0, 1, 2, 2].map((v) => Float64Array.of(v));
  const dxdt = [1, 1, 1, -1].map((v) => Float64Array.of(v));
  const out = sampleCurve(frames, x, dxdt, { minPoints: 2 });
  const inside = (a: number, b: number) => out.t.filter((s) => s > a && s < b).length;
  t.is(inside(0, 1), 0);
  t.true(inside(2, 3) >= 10, `${inside(2, 3)} samples in the bend`);
  t.true(inside(2, 3) <= 64);
});

test('sampleCurve draws non-finite states as gaps and non-finite slopes as chords', (t) => {
  const out = sampleCurve([0, 1, 2], [Float64Array.of(0), Float64Array.of(NaN), Float64Array.of(1)], [Float64Array.of(0), Float64Array.of(0), Float64Array.of(NaN)], { minPoints: 9 });
  t.true(out.x.filter((v) => Number.isNaN(v[0])).length >= 3);
  const chord = out.t.map((s, j) => [s, out.x[j]![0]!] as const).filter(([s]) => s > 1 && s < 2);
  t.true(chord.every(([, v]) => Number.isNaN(v)), 'no curve from a missing state');
  const linear = sampleCurve([0, 1], [Float64Array.of(0), Float64Array.of(1)], [Float64Array.of(NaN), Float64Array.of(5)], { minPoints: 5 });
  t.deepEqual(linear.x.map((v) => v[0]), [0, 0.25, 0.5, 0.75, 1]);
});

test('the spiral with spread 0 plots its training trajectory, which is not held out; with spread it is', (t) => {
  const same = system('spiral', { spread: 0 });
  t.false(isHeldOut(same, dataset(same, { points: 50 }), 0));
  // The training set's noise does not make it another trajectory.
  t.false(isHeldOut(same, dataset(same, { points: 50, noise: 0.05 }), 0));
  const spread = system('spiral', { spread: 0.1 });
  t.true(isHeldOut(spread, dataset(spread, { points: 50 }), 0));
  const pendulum = system('pendulum');
  const data = dataset(pendulum, { points: 20, trajectories: 3, testTrajectories: 2 });
  t.true(isHeldOut(pendulum, data, 0) && isHeldOut(pendulum, data, 1));
});

test('a test trajectory that starts where a training trajectory does is not held out', (t) => {
  const pendulum = system('pendulum');
  const data = dataset(pendulum, { points: 20, trajectories: 2 });
  const copied = { train: data.train, test: { ...data.train, count: 1, values: data.train.values.slice(data.train.points * data.train.dim) } };
  t.false(isHeldOut(pendulum, copied, 0));
});

test('the plotted rollout of the double pendulum has hundreds of samples and no visible corners, though the data has 101 frames', (t) => {
  const dp = system('double-pendulum', { maxVelocity: 3 });
  const data = dataset(dp, { timeSpan: 5, points: 101 });
  const rk4 = registry.get('integrator', 'rk4');
  const parts = { model: exactModel(dp), system: dp, integrator: rk4.create(rk4.options.parse({ step: 0.01 }, 'integrator') as never), dataset: data };
  const [plotted] = plotTrajectories(parts, 1);
  t.true(plotted!.heldOut);
  t.is(plotted!.frames, 101);
  // The true curve, from dopri8 at every time asked for.
  const start = Float64Array.from(data.test.values.subarray(0, 4));
  const exact = (times: number[]) => {
    // One solve through every distinct time (they come sorted, the first being 0).
    const distinct = times.filter((s, q) => q === 0 || s > times[q - 1]!);
    const states = new Map(groundTruth(dp, truthIntegrator(), start, distinct).map((x, q) => [distinct[q]!, x]));
    return times.map((s) => states.get(s)!);
  };
  for (const curve of [plotted!.truth, plotted!.model]) {
    t.true(curve.t.length >= 500, `${curve.t.length} samples`);
    // θ₂ against ω₂ (the liveliest phase portrait): within a pixel or two of a 500-pixel panel
    // (what is left is the interpolant's own error between frames 0.05 s apart, about 2e-3).
    const stray = strayFrom(curve, exact, 1, 3);
    t.true(stray < 4e-3, `drawn line off the curve by ${stray.toExponential(2)} of the range`);
  }
  const frames = { t: data.t, x: Array.from({ length: 101 }, (_, p) => data.test.values.subarray(p * 4, p * 4 + 4)) };
  const polygon = strayFrom(frames, exact, 1, 3);
  t.true(polygon > 2e-2, `the 101 frames alone are a polygon, off the curve by ${polygon.toExponential(2)} of the range`);
  // The model (the true field under rk4) agrees with the truth at and between the frames.
  const truthAt = new Map(plotted!.truth.t.map((s, j) => [s, plotted!.truth.x[j]!]));
  const common = plotted!.model.t.flatMap((s, j) => (truthAt.has(s) ? [Math.abs(plotted!.model.x[j]![0]! - truthAt.get(s)![0]!)] : []));
  t.true(common.length >= 101, `${common.length} common times`);
  t.true(Math.max(...common) < 1e-3, `model vs truth ${Math.max(...common)}`);
});
