/**
 * The trajectories a run's plots show: the first test trajectories of the
 * dataset, the model rolled out from their starts by the experiment's
 * integrator at the dataset's frames, both sampled densely for drawing
 * (curve-samples.ts), and whether each was really held out from training.
 */
import type { Model } from '../model.ts';
import type { Integrator } from '../ode/types.ts';
import { Rng } from '../random.ts';
import type { System } from '../system.ts';
import { tf } from '../tensor/tf.ts';
import type { Dataset, TrajectorySet } from '../train/data.ts';
import { sampleCurve, type CurveSampleOptions, type CurveSamples } from './curve-samples.ts';
import { modelRollout } from './mechanics.ts';

/** One trajectory to plot, model against truth from the same start. */
export interface PlotTrajectory {
  truth: CurveSamples;
  model: CurveSamples;
  /** False when training saw this trajectory too (see isHeldOut). */
  heldOut: boolean;
  /** The frames the rollout was evaluated at; the samples between them are interpolated. */
  frames: number;
}

export interface PlotTrajectoryParts {
  model: Model;
  system: System;
  /** The experiment's integrator (evaluation budget). */
  integrator: Integrator;
  dataset: Dataset;
}

/**
 * The first `count` test trajectories and the model's rollouts from their starts.
 * @throws NumericalError when the model's rollout diverges.
 */
export function plotTrajectories(p: PlotTrajectoryParts, count: number, options?: CurveSampleOptions): PlotTrajectory[] {
  const { test, t } = p.dataset;
  const k = Math.min(count, test.count);
  const truths = Array.from({ length: k }, (_, i) => trajectoryOf(test, i));
  const preds = modelRollout(p.model, p.integrator)(truths.map((x) => x[0]!), t);
  const modelSlopes = slopesOfModel(p.model, t, preds);
  return truths.map((truth, i) => ({
    truth: sampleCurve(t, truth, truth.map((x, j) => p.system.derivative(t[j]!, x)), options),
    model: sampleCurve(t, preds[i]!, modelSlopes[i]!, options),
    heldOut: isHeldOut(p.system, p.dataset, i),
    frames: t.length,
  }));
}

/** Trajectory k of a set as float64 states. */
export function trajectoryOf(set: TrajectorySet, k: number): Float64Array[] {
  return Array.from({ length: set.points }, (_, j) => {
    const at = (k * set.points + j) * set.dim;
    return Float64Array.from(set.values.subarray(at, at + set.dim));
  });
}

/** The model's vector field at every frame of every rollout: slopes[k][p] (one batch per frame, so time-dependent models get their t). */
function slopesOfModel(model: Model, t: readonly number[], rollouts: readonly Float64Array[][]): Float64Array[][] {
  const count = rollouts.length;
  const dim = rollouts[0]?.[0]?.length ?? 0;
  const slopes = rollouts.map(() => new Array<Float64Array>(t.length));
  const batch = new Float32Array(count * dim);
  t.forEach((tp, p) => {
    rollouts.forEach((states, k) => batch.set(states[p]!, k * dim));
    const f = tf.tidy(() => model.vectorField(tp, tf.tensor2d(batch, [count, dim])).dataSync() as Float32Array);
    for (let k = 0; k < count; k++) slopes[k]![p] = Float64Array.from(f.subarray(k * dim, (k + 1) * dim));
  });
  return slopes;
}

/**
 * Whether test trajectory k was held out from training. It was not when a
 * training trajectory starts where it does, or when the system draws every
 * start at the same point (the spiral with spread 0: its one "test"
 * trajectory is the training trajectory, only without the training noise).
 */
export function isHeldOut(system: Pick<System, 'sampleInitialState'>, dataset: Pick<Dataset, 'train' | 'test'>, k: number): boolean {
  const { train, test } = dataset;
  if (train.count === 0) return true;
  const start = trajectoryOf(test, k)[0]!;
  for (let j = 0; j < train.count; j++) if (same(start, trajectoryOf(train, j)[0]!)) return false;
  // Two draws from unrelated generators: a sampler that ignores its generator gives the same start both times.
  const draws = [new Rng(0x5eed1), new Rng(0x5eed2)].map((rng) => Float64Array.from(Float32Array.from(system.sampleInitialState(rng))));
  return !draws.every((x) => same(start, x));
}

/** Equal up to float32 rounding (the dataset stores float32). */
function same(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, d) => Math.abs(v - b[d]!) <= 1e-6 * Math.max(1, Math.abs(v)));
}
