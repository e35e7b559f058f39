/**
 * The training loop: batch → gradient strategy through the integrator →
 * loss → optimiser, with the learning-rate schedule, optional gradient
 * clipping, and a non-finite loss stopping training at once.
 */
import type { TrainConfig, DataConfig } from '../config/experiment.ts';
import { ErrorCodes, NumericalError } from '../errors.ts';
import type { GradientStrategy, RunningCost, Trajectory } from '../gradient.ts';
import type { Model } from '../model.ts';
import type { Integrator, SolveStats } from '../ode/types.ts';
import type { Rng } from '../random.ts';
import type { System } from '../system.ts';
import { accelerationBatch, accelerationStep } from './acceleration.ts';
import { tf } from '../tensor/tf.ts';
import { disposeBatch, sampleBatch, type Batch } from './batch.ts';
import type { Dataset } from './data.ts';
import { trajectoryLoss } from './loss.ts';
import { createOptimizer, learningRateAt } from './optimizers.ts';

export interface TrainParts {
  model: Model;
  integrator: Integrator;
  gradient: GradientStrategy;
  dataset: Dataset;
  /** The ground truth; needed by the acceleration objective. */
  system?: System;
  data: DataConfig;
  train: TrainConfig;
  rng: Rng;
}

/** What the loop reports after each step. */
export interface StepReport {
  /** 1-based step number. */
  step: number;
  loss: number;
  lr: number;
  /** Forward-solve statistics (trajectory objective; the acceleration objective does one evaluation, no solve). */
  forward: SolveStats;
  /** Backward-pass statistics (adjoint only). */
  backward?: SolveStats;
}

export interface TrainHooks {
  /** Called after every step. */
  onStep?(report: StepReport): void | Promise<void>;
  /** Checked before every step; return a reason to stop (e.g. 'SIGINT'). */
  shouldStop?(): string | undefined;
}

export interface TrainResult {
  steps: number;
  finalLoss: number;
  /** Set when shouldStop ended training early. */
  stoppedBy?: string;
}

/** One optimisation step on `batch`; returns the loss (before the update) and solver stats. */
export function trainStep(
  parts: Pick<TrainParts, 'model' | 'integrator' | 'gradient' | 'train'>,
  optimizer: tf.Optimizer,
  batch: Batch,
): StepResult {
  const { model, integrator, gradient, train } = parts;
  let traj: Trajectory | undefined;
  const func = (t: number, x: tf.Tensor) => model.vectorField(t, x);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      traj = gradient.trajectory({
        func,
        y0: batch.y0,
        t: batch.t,
        integrator,
        params: model.variables,
        runningCost: runningCostOf(train.runningCost, func),
        vjp: model.vjp,
        hostField: model.hostField,
      });
      const fit = trajectoryLoss(train.loss, traj.ys, batch.target);
      return traj.cost ? (tf.add(fit, tf.mul(traj.cost, train.runningCost!.weight)) as tf.Scalar) : fit;
    }, model.variables);
    optimizer.applyGradients(train.clipNorm ? clipByGlobalNorm(grads, train.clipNorm) : grads);
    return value;
  });
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return { loss: value, forward: traj!.forward, ...(traj!.backward ? { backward: traj!.backward } : {}) };
}

interface StepResult {
  loss: number;
  forward: SolveStats;
  backward?: SolveStats;
}

/**
 * The running cost of `train.runningCost` (the seed's eq. 4), as l(t, x):
 * 'kinetic' is the mean squared speed |f(x)|² over the batch (Finlay et al. 2020),
 * 'l2' the mean squared state |x|².
 */
export function runningCostOf(
  cfg: TrainConfig['runningCost'],
  func: (t: number, x: tf.Tensor) => tf.Tensor,
): RunningCost | undefined {
  if (!cfg) return undefined;
  const batch = (x: tf.Tensor) => (x.rank > 1 ? x.shape[0]! : 1);
  if (cfg.type === 'kinetic') return (t, x) => tf.div(tf.sum(tf.square(func(t, x))), batch(x)) as tf.Scalar;
  return (_t, x) => tf.div(tf.sum(tf.square(x)), batch(x)) as tf.Scalar;
}

export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  // One read of the device: the squared norms summed as tensors first.
  const norm = Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]!);
  if (!(norm > maxNorm)) return grads;
  const scale = maxNorm / norm;
  return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)]));
}

const NO_SOLVE: SolveStats = { nfe: 1, steps: 0, rejected: 0 };

/** Draw a batch for the configured objective and take one step on it. */
function oneStep(parts: TrainParts, optimizer: tf.Optimizer, rng: Rng, step: number): StepResult {
  const { train: cfg, data, dataset } = parts;
  if (cfg.objective.name === 'acceleration') {
    if (!parts.system?.mechanical || !parts.model.acceleration) {
      throw new Error("the acceleration objective needs a mechanical system and a model with acceleration()");
    }
    const batch = accelerationBatch(parts.system, cfg.objective, rng, data.batchSize, step);
    try {
      return { loss: accelerationStep(parts.model, optimizer, batch, cfg, clipByGlobalNorm), forward: NO_SOLVE };
    } finally {
      batch.x.dispose();
      batch.target.dispose();
    }
  }
  const batch = sampleBatch(rng, dataset.train, dataset.t, data.batchTime, data.batchSize);
  try {
    return trainStep(parts, optimizer, batch);
  } finally {
    disposeBatch(batch);
  }
}

/** Run the training loop. Throws NumericalError on a non-finite loss. */
export async function train(parts: TrainParts, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { train: cfg, rng } = parts;
  const opt = createOptimizer(cfg.optimizer, cfg.lr);
  let finalLoss = NaN;
  try {
    for (let step = 0; step < cfg.steps; step++) {
      const reason = hooks.shouldStop?.();
      if (reason) return { steps: step, finalLoss, stoppedBy: reason };
      const lr = learningRateAt(cfg.schedule, cfg.lr, step, cfg.steps);
      opt.setLearningRate(lr);
      const result = oneStep(parts, opt.optimizer, rng, step);
      finalLoss = result.loss;
      if (!Number.isFinite(result.loss)) {
        throw new NumericalError(
          ErrorCodes.NUMERICAL_NON_FINITE,
          `training loss became ${result.loss} at step ${step + 1}: lower train.lr, set train.clipNorm, or use a smaller integrator step`,
          step + 1,
        );
      }
      await hooks.onStep?.({ step: step + 1, loss: result.loss, lr, forward: result.forward, backward: result.backward });
      // Let signal handlers (Ctrl-C) run: they are macrotasks, and the loop is otherwise synchronous.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { steps: cfg.steps, finalLoss };
  } finally {
    opt.dispose();
  }
}
