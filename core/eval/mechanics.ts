/**
 * Evaluation of models of mechanical systems, logged on every run whose
 * system has generalised coordinates:
 *
 * - acceleration error on fresh states (eval_accel_mae, and relative to the
 *   mean |q̈|: eval_accel_rel);
 * - the energy metric of Cranmer et al. 2020: `energyStarts` starts with
 *   random angles (other coordinates from the system's sampler) and
 *   q̇ ~ U[0, energyMaxVelocity), rolled out by the model to t = energyTime
 *   in energyFrames frames; the system's true energy of the predicted state
 *   is compared with that of the true trajectory: |E_pred − E_true| at the
 *   final time, divided by the energy scale (below), in percent, averaged over the starts
 *   (eval_energy_error_pct), and the same averaged over every frame
 *   (eval_energy_drift_pct).
 *
 * The energy scale (eval_energy_scale; energyScaleOf) is, in this order:
 * the system's own (MechanicalStructure.energyScale: a value or a function
 * of the true rollouts, with its description; Kepler's is max|E|, since
 * V = −GM/r is unbounded); else max|V|, the largest |V(q)| over the true
 * rollouts and, for coordinates that are angles, over 10,000 configurations
 * drawn uniformly on the torus (for the double pendulum, 29.4 =
 * (m1 + m2) g l1 + m2 g l2 up to sampling); else, where V vanishes on every
 * true state (a free particle in a magnetic field), max|E| over the true
 * rollouts; else 1, said as such. Its description (EnergyResult.energyScaleKind)
 * labels the plots ("% of max|V|").
 *
 * A start has diverged when its predicted energy becomes non-finite or its
 * energy error anywhere along the rollout exceeds DIVERGED_ENERGY_FACTOR ×
 * the energy scale. Without the second rule a rollout that blew up to huge but finite
 * states reported errors like 1e13 % while counting nothing as diverged; a
 * model whose energy is off by ten times the whole potential range has left
 * the physics, whatever its floating-point value says.
 */
import type { ObjectiveConfig, EvalConfig } from '../config/experiment.ts';
import type { Model } from '../model.ts';
import type { Integrator } from '../ode/types.ts';
import type { Rng } from '../random.ts';
import { totalEnergy, type System } from '../system.ts';
import { tf } from '../tensor/tf.ts';
import { untapedTensorOps } from '../ode/tensor-ops.ts';
import { accelerationTargets, sampleStates } from '../train/acceleration.ts';
import { groundTruth, timeGrid } from '../train/data.ts';

/** Integrates a batch of float64 initial states through the times t: result[k][p] is start k at t[p]. */
export type Rollout = (starts: readonly Float64Array[], t: readonly number[]) => Float64Array[][];

/** The model's own rollout, on tensors (float32), without the tape. */
export function modelRollout(model: Model, integrator: Integrator): Rollout {
  return (starts, t) => {
    const dim = starts[0]!.length;
    const flat = new Float32Array(starts.length * dim);
    starts.forEach((x, k) => flat.set(x, k * dim));
    const ys = tf.tidy(() => {
      const y0 = tf.tensor2d(flat, [starts.length, dim]);
      return integrator.solve((tt, x) => model.vectorField(tt, x), y0, t, untapedTensorOps).ys.map((y) => y.dataSync() as Float32Array);
    });
    return starts.map((_, k) => ys.map((y) => Float64Array.from(y.subarray(k * dim, (k + 1) * dim))));
  };
}

/** The ground truth's rollout in float64. */
export function truthRollout(system: System, truth: Integrator): Rollout {
  return (starts, t) => starts.map((x0) => groundTruth(system, truth, x0, t));
}

/** Error of the model's accelerations on `count` fresh states from the box. */
export function accelerationError(
  model: Model,
  system: System,
  box: Pick<Extract<ObjectiveConfig, { name: 'acceleration' }>, 'q' | 'qdot'>,
  rng: Rng,
  count: number,
): { eval_accel_mae: number; eval_accel_rel: number; pred: Float32Array; truth: Float32Array } {
  const n = system.mechanical!.coordinates;
  const { x, target } = accelerationTargets(system, sampleStates(n, box, rng, count));
  const [pred, truth] = tf.tidy(() => {
    const p = model.acceleration ? model.acceleration(x) : tf.slice(model.vectorField(0, x), [0, n], [-1, n]);
    return [p.dataSync() as Float32Array, target.dataSync() as Float32Array];
  });
  x.dispose();
  target.dispose();
  let err = 0;
  let mag = 0;
  for (let i = 0; i < pred!.length; i++) {
    err += Math.abs(pred![i]! - truth![i]!);
    mag += Math.abs(truth![i]!);
  }
  return { eval_accel_mae: err / pred!.length, eval_accel_rel: err / Math.max(mag, 1e-300), pred: pred!, truth: truth! };
}

/** Starts of the energy metric: random angles, other coordinates from the system's sampler, q̇ ~ U[0, maxVelocity). */
export function energyStarts(system: System, cfg: Pick<EvalConfig, 'energyStarts' | 'energyMaxVelocity'>, rng: Rng): Float64Array[] {
  const m = system.mechanical!;
  const n = m.coordinates;
  return Array.from({ length: cfg.energyStarts }, () => {
    const drawn = system.sampleInitialState(rng);
    const x = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) x[i] = m.angles[i] ? rng.range(0, 2 * Math.PI) : drawn[i]!;
    for (let i = 0; i < n; i++) x[n + i] = rng.range(0, cfg.energyMaxVelocity);
    return x;
  });
}

/** max |V(q)| over the given states and, for angle coordinates, over configurations drawn on the torus. */
export function potentialScale(system: System, states: readonly Float64Array[], rng: Rng): number {
  const m = system.mechanical!;
  const n = m.coordinates;
  let scale = 0;
  for (const x of states) scale = Math.max(scale, Math.abs(m.potential(x)));
  if (m.angles.some(Boolean)) {
    const base = states[0] ?? new Float64Array(2 * n);
    for (let k = 0; k < 10_000; k++) {
      const x = Float64Array.from(base);
      for (let i = 0; i < n; i++) if (m.angles[i]) x[i] = rng.range(0, 2 * Math.PI);
      scale = Math.max(scale, Math.abs(m.potential(x)));
    }
  }
  return scale;
}

/** The energy metric's scale and what it is ('max|V|', 'max|E|', a system's own description, or '1 (…)'). */
export interface EnergyScaleChoice {
  value: number;
  kind: string;
}

/** The energy scale of the energy metric over the true rollouts' states (see the file comment). */
export function energyScaleOf(system: System, states: readonly Float64Array[], rng: Rng): EnergyScaleChoice {
  const m = system.mechanical!;
  const usable = (v: number) => Number.isFinite(v) && v > 0;
  if (m.energyScale) {
    const { value, description } = m.energyScale;
    const v = typeof value === 'function' ? value(states, (x) => totalEnergy(m, x)) : value;
    if (usable(v)) return { value: v, kind: description };
  }
  const v = potentialScale(system, states, rng);
  if (usable(v)) return { value: v, kind: 'max|V|' };
  const e = maxAbsEnergy(system, states);
  if (usable(e)) return { value: e, kind: 'max|E|' };
  return { value: 1, kind: '1 (V and E vanish on the true rollouts)' };
}

/** max |E| = max |T + V| over the given states. */
export function maxAbsEnergy(system: System, states: readonly Float64Array[]): number {
  let e = 0;
  for (const x of states) e = Math.max(e, Math.abs(totalEnergy(system.mechanical!, x)));
  return e;
}

/** Energy error, in multiples of the energy scale, beyond which a start counts as diverged (1,000 %). */
export const DIVERGED_ENERGY_FACTOR = 10;

export interface EnergyResult {
  eval_energy_error_pct: number;
  eval_energy_drift_pct: number;
  /**
   * Starts whose rollout blew up: predicted energy non-finite, or off by more than
   * DIVERGED_ENERGY_FACTOR × the energy scale at some frame. The means above are then +Infinity.
   */
  eval_energy_diverged: number;
  /** The final-time error averaged over the starts that stayed finite (NaN if none did). */
  eval_energy_error_finite_pct: number;
  /** The median over the starts of the final-time error (a diverged start counts as +Infinity). */
  eval_energy_error_median_pct: number;
  /** The energy scale the errors are in percent of (energyScaleOf). */
  eval_energy_scale: number;
  /** What the scale is: 'max|V|', 'max|E|', the system's own description, or '1 (…)'. */
  energyScaleKind: string;
  t: number[];
  /** Per start and frame: the true energy of the predicted and of the true state. */
  predicted: Float64Array[];
  truth: Float64Array[];
}

/** The energy metric (see the file comment) of `rollout` against `truth`. */
export function energyMetric(
  system: System,
  rollout: Rollout,
  truth: Rollout,
  cfg: Pick<EvalConfig, 'energyStarts' | 'energyMaxVelocity' | 'energyTime' | 'energyFrames'>,
  rng: Rng,
): EnergyResult {
  const m = system.mechanical!;
  const starts = energyStarts(system, cfg, rng);
  const t = timeGrid(cfg.energyTime, cfg.energyFrames);
  const trueStates = truth(starts, t);
  const predStates = rollout(starts, t);
  const energy = (xs: Float64Array[]) => Float64Array.from(xs, (x) => totalEnergy(m, x));
  const truthE = trueStates.map(energy);
  const predE = predStates.map(energy);
  const { value: scale, kind } = energyScaleOf(system, trueStates.flat(), rng);
  const limit = DIVERGED_ENERGY_FACTOR * scale;
  let drift = 0;
  const last = t.length - 1;
  const finals = predE.map((e, k) => {
    let worst = 0;
    for (let p = 0; p < t.length; p++) {
      const d = Math.abs(e[p]! - truthE[k]![p]!);
      drift += d;
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    }
    return worst > limit ? Infinity : Math.abs(e[last]! - truthE[k]![last]!);
  });
  const pct = (v: number) => (Number.isFinite(v) ? (100 * v) / scale : Infinity);
  const finite = finals.filter(Number.isFinite);
  const sorted = [...finals].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    eval_energy_error_pct: pct(finals.reduce((a, b) => a + b, 0) / starts.length),
    eval_energy_drift_pct: finite.length === finals.length ? pct(drift / (starts.length * t.length)) : Infinity,
    eval_energy_diverged: finals.length - finite.length,
    eval_energy_error_finite_pct: finite.length ? pct(finite.reduce((a, b) => a + b, 0) / finite.length) : NaN,
    eval_energy_error_median_pct: pct(median),
    eval_energy_scale: scale,
    energyScaleKind: kind,
    t,
    predicted: predE,
    truth: truthE,
  };
}
