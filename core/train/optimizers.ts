/**
 * Optimisers (Adam, RMSprop) with a learning rate that a schedule can change
 * between steps, and the learning-rate schedules.
 */
import type { OptimizerConfig, ScheduleConfig } from '../config/experiment.ts';
import { tf } from '../tensor/tf.ts';

/** An optimiser whose learning rate can be set before each step. */
export interface ScheduledOptimizer {
  readonly optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  dispose(): void;
}

class ScheduledAdam extends tf.AdamOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

class ScheduledRMSProp extends tf.RMSPropOptimizer {
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

export function createOptimizer(cfg: OptimizerConfig, lr: number): ScheduledOptimizer {
  const opt =
    cfg.name === 'adam'
      ? new ScheduledAdam(lr, cfg.beta1, cfg.beta2, cfg.epsilon)
      : new ScheduledRMSProp(lr, cfg.decay, cfg.momentum, cfg.epsilon, false);
  return { optimizer: opt, setLearningRate: (x) => opt.setLearningRate(x), dispose: () => opt.dispose() };
}

/** Learning rate at (0-based) step `step` of `total`. */
export function learningRateAt(schedule: ScheduleConfig, base: number, step: number, total: number): number {
  switch (schedule.name) {
    case 'constant':
      return base;
    case 'exponential':
      return base * schedule.gamma ** (step / schedule.every);
    case 'step':
      return base * schedule.gamma ** Math.floor(step / schedule.every);
    case 'cosine': {
      const progress = total > 1 ? step / (total - 1) : 1;
      return schedule.minLr + 0.5 * (base - schedule.minLr) * (1 + Math.cos(Math.PI * progress));
    }
  }
}
