/**
 * The acceleration objective (Cranmer et al. 2020's training mode): every
 * batch draws fresh states x = (q, q̇) uniformly from a box, the target is
 * the true q̈ in float64 (rounded to float32), and the loss is the train.loss
 * error of the model's accelerations. No ODE solve during training.
 */
import type { ObjectiveConfig, TrainConfig } from '../config/experiment.ts';
import type { Model } from '../model.ts';
import type { Rng } from '../random.ts';
import type { System } from '../system.ts';
import { tf } from '../tensor/tf.ts';
import { trajectoryLoss } from './loss.ts';

type AccelerationObjective = Extract<ObjectiveConfig, { name: 'acceleration' }>;

/** `count` states drawn uniformly from the objective's box: q in objective.q, q̇ in objective.qdot, per coordinate. */
export function sampleStates(n: number, box: Pick<AccelerationObjective, 'q' | 'qdot'>, rng: Rng, count: number): Float64Array[] {
  const [q0, q1] = box.q as [number, number];
  const [v0, v1] = box.qdot as [number, number];
  return Array.from({ length: count }, () => {
    const x = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) x[i] = rng.range(q0, q1);
    for (let i = 0; i < n; i++) x[n + i] = rng.range(v0, v1);
    return x;
  });
}

/** States [count, 2n] and their true accelerations [count, n], as float32 tensors. */
export function accelerationTargets(system: System, states: readonly Float64Array[]): { x: tf.Tensor2D; target: tf.Tensor2D } {
  const n = system.mechanical!.coordinates;
  const xs = new Float32Array(states.length * 2 * n);
  const ys = new Float32Array(states.length * n);
  states.forEach((x, b) => {
    xs.set(x, b * 2 * n);
    const dx = system.derivative(0, x);
    for (let i = 0; i < n; i++) ys[b * n + i] = dx[n + i]!;
  });
  return { x: tf.tensor2d(xs, [states.length, 2 * n]), target: tf.tensor2d(ys, [states.length, n]) };
}

/**
 * The objective's state box at (0-based) training step `step`: with
 * velocityWarmup w > 0 the velocity box is scaled by 0.1 + 0.9·min(1, step/w).
 */
export function boxAt(objective: AccelerationObjective, step: number): Pick<AccelerationObjective, 'q' | 'qdot'> {
  const w = objective.velocityWarmup;
  if (!w || step >= w) return objective;
  const f = 0.1 + (0.9 * step) / w;
  const [v0, v1] = objective.qdot as [number, number];
  return { q: objective.q, qdot: [v0 * f, v1 * f] };
}

/** A fresh batch of the acceleration objective at training step `step`. */
export function accelerationBatch(system: System, objective: AccelerationObjective, rng: Rng, count: number, step = Infinity) {
  return accelerationTargets(system, sampleStates(system.mechanical!.coordinates, boxAt(objective, step), rng, count));
}

/** One optimiser step on an acceleration batch; returns the loss before the update. */
export function accelerationStep(
  model: Model,
  optimizer: tf.Optimizer,
  batch: { x: tf.Tensor; target: tf.Tensor },
  train: Pick<TrainConfig, 'loss' | 'clipNorm'>,
  clip: (grads: tf.NamedTensorMap, maxNorm: number) => tf.NamedTensorMap,
): number {
  const acc = model.acceleration!;
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => trajectoryLoss(train.loss, acc(batch.x), batch.target), model.variables);
    optimizer.applyGradients(train.clipNorm ? clip(grads, train.clipNorm) : grads);
    return value;
  });
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return value;
}
