/**
 * Ground-truth data: trajectories of the system integrated in float64 and
 * sampled on an even time grid, split into training and held-out sets.
 */
import type { DataConfig } from '../config/experiment.ts';
import { float64Ops } from '../ode/float64-ops.ts';
import type { Integrator } from '../ode/types.ts';
import type { Rng } from '../random.ts';
import type { System } from '../system.ts';

/** Trajectories stored flat: value of component d at point p of trajectory k is at (k * points + p) * dim + d. */
export interface TrajectorySet {
  count: number;
  points: number;
  dim: number;
  values: Float32Array;
}

export interface Dataset {
  /** The common time grid t_0 = 0 .. t_{points-1} = timeSpan. */
  t: number[];
  train: TrajectorySet;
  test: TrajectorySet;
}

/** Evenly spaced grid of n points on [0, span]. */
export function timeGrid(span: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (span * i) / (n - 1));
}

/** One float64 trajectory from x0 through every time in t. */
export function groundTruth(system: System, integrator: Integrator, x0: Float64Array, t: readonly number[]): Float64Array[] {
  return integrator.solve((tt, x) => system.derivative(tt, x), x0, t, float64Ops).ys;
}

function sampleSet(
  system: System,
  integrator: Integrator,
  t: readonly number[],
  count: number,
  rng: Rng,
  noise: number,
): TrajectorySet {
  const dim = system.stateDim;
  const values = new Float32Array(count * t.length * dim);
  for (let k = 0; k < count; k++) {
    const ys = groundTruth(system, integrator, system.sampleInitialState(rng), t);
    ys.forEach((y, p) => {
      for (let d = 0; d < dim; d++) {
        values[(k * t.length + p) * dim + d] = y[d]! + (noise > 0 ? noise * rng.normal() : 0);
      }
    });
  }
  return { count, points: t.length, dim, values };
}

/**
 * Generate the dataset. Noise is added to the training set only.
 * @param truth a float64-capable integrator configured for ground truth.
 */
export function generateDataset(system: System, truth: Integrator, cfg: DataConfig, rng: Rng): Dataset {
  const t = timeGrid(cfg.timeSpan ?? system.timeSpan, cfg.points);
  const train = sampleSet(system, truth, t, cfg.trajectories, rng.fork(), cfg.noise);
  const test = sampleSet(system, truth, t, cfg.testTrajectories, rng.fork(), 0);
  return { t, train, test };
}
