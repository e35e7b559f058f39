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
    case 'one-cycle':
      return oneCycle(schedule, base, step, total);
  }
}

/**
 * PyTorch's OneCycleLR (anneal_strategy 'cos', three_phase False): cosine
 * warm-up from base/divFactor to base over the first pctStart of the steps,
 * then cosine annealing to base/(divFactor·finalDivFactor) at the last step.
 */
function oneCycle(o: { pctStart: number; divFactor: number; finalDivFactor: number }, base: number, step: number, total: number): number {
  const initial = base / o.divFactor;
  const final = initial / o.finalDivFactor;
  const warmEnd = o.pctStart * total - 1;
  const lastStep = total - 1;
  const cos = (from: number, to: number, pct: number) => to + ((from - to) / 2) * (1 + Math.cos(Math.PI * pct));
  if (step <= warmEnd) return cos(initial, base, warmEnd > 0 ? step / warmEnd : 1);
  const span = lastStep - warmEnd;
  return cos(base, final, span > 0 ? (step - warmEnd) / span : 1);
}
