/**
 * The training loop: batch → gradient strategy through the integrator →
 * loss → optimiser, with the learning-rate schedule, optional gradient
 * clipping, and a non-finite loss stopping training at once.
 */
import type { TrainConfig, DataConfig } from '../config/experiment.ts';
import { ErrorCodes, NumericalError } from '../errors.ts';
import type { GradientStrategy } from '../gradient.ts';
import type { Model } from '../model.ts';
import type { Integrator, SolveStats } from '../ode/types.ts';
import type { Rng } from '../random.ts';
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
  forward: SolveStats;
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
): { loss: number; forward: SolveStats } {
  const { model, integrator, gradient, train } = parts;
  let forward: SolveStats = { nfe: 0, steps: 0, rejected: 0 };
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const traj = gradient.trajectory({
        func: (t, x) => model.vectorField(t, x),
        y0: batch.y0,
        t: batch.t,
        integrator,
        params: model.variables,
      });
      forward = traj.forward;
      return trajectoryLoss(train.loss, traj.ys, batch.target);
    }, model.variables);
    optimizer.applyGradients(train.clipNorm ? clipByGlobalNorm(grads, train.clipNorm) : grads);
    return value;
  });
  const value = loss.dataSync()[0]!;
  loss.dispose();
  return { loss: value, forward };
}

function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const norm = Math.sqrt(Object.values(grads).reduce((acc, g) => acc + tf.sum(tf.square(g)).dataSync()[0]!, 0));
  if (!(norm > maxNorm)) return grads;
  const scale = maxNorm / norm;
  return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)]));
}

/** Run the training loop. Throws NumericalError on a non-finite loss. */
export async function train(parts: TrainParts, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { train: cfg, data, dataset, rng } = parts;
  const opt = createOptimizer(cfg.optimizer, cfg.lr);
  let finalLoss = NaN;
  try {
    for (let step = 0; step < cfg.steps; step++) {
      const reason = hooks.shouldStop?.();
      if (reason) return { steps: step, finalLoss, stoppedBy: reason };
      const lr = learningRateAt(cfg.schedule, cfg.lr, step, cfg.steps);
      opt.setLearningRate(lr);
      const batch = sampleBatch(rng, dataset.train, dataset.t, data.batchTime, data.batchSize);
      let result: { loss: number; forward: SolveStats };
      try {
        result = trainStep(parts, opt.optimizer, batch);
      } finally {
        disposeBatch(batch);
      }
      finalLoss = result.loss;
      if (!Number.isFinite(result.loss)) {
        throw new NumericalError(
          ErrorCodes.NUMERICAL_NON_FINITE,
          `training loss became ${result.loss} at step ${step + 1}: lower train.lr, set train.clipNorm, or use a smaller integrator step`,
          step + 1,
        );
      }
      await hooks.onStep?.({ step: step + 1, loss: result.loss, lr, forward: result.forward });
      // Let signal handlers (Ctrl-C) run: they are macrotasks, and the loop is otherwise synchronous.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return { steps: cfg.steps, finalLoss };
  } finally {
    opt.dispose();
  }
}
