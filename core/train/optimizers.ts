/**
 * Optimisers (Adam, RMSprop) with a learning rate that a schedule can change
 * between steps, and the learning-rate schedules.
 */
import type { OptimizerConfig, ScheduleConfig } from '../config/experiment.ts';
import { tf } from '../tensor/tf.ts';
import { fusedKernelsEnabled, onHostBackend, registerHostKernel } from '../tensor/fused-combine.ts';

/** An optimiser whose learning rate can be set before each step. */
export interface ScheduledOptimizer {
  readonly optimizer: tf.Optimizer;
  setLearningRate(lr: number): void;
  dispose(): void;
}

/**
 * Adam (tfjs's update rule: m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ), θ −= lr·m̂/(√v̂ + ε))
 * with a settable learning rate. On the cpu and wasm backends each variable
 * is updated by one fused kernel (about ten tfjs ops otherwise, each a
 * kernel launch); elsewhere, or with the fused kernels off, by tfjs's own.
 */
class ScheduledAdam extends tf.AdamOptimizer {
  private readonly moments: { m: tf.Variable; v: tf.Variable }[] = [];
  private t = 0;

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  override applyGradients(grads: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!onHostBackend() || !fusedKernelsEnabled() || Array.isArray(grads)) {
      super.applyGradients(grads);
      return;
    }
    registerAdamKernel();
    this.t++;
    const attrs = {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      c1: 1 - this.beta1 ** this.t,
      c2: 1 - this.beta2 ** this.t,
    };
    Object.keys(grads).forEach((name, i) => {
      const variable = tf.engine().registeredVariables[name]!;
      const g = (grads as tf.NamedTensorMap)[name];
      if (!g) return;
      this.moments[i] ??= tf.tidy(() => ({ m: tf.zerosLike(variable).variable(false), v: tf.zerosLike(variable).variable(false) }));
      const { m, v } = this.moments[i]!;
      const [nv, nm, nv2] = tf.engine().runKernel(ADAM_UPDATE, [variable, g, m, v] as unknown as tf.NamedTensorMap, attrs) as tf.Tensor[];
      variable.assign(nv!);
      m.assign(nm!);
      v.assign(nv2!);
      nv!.dispose();
      nm!.dispose();
      nv2!.dispose();
    });
  }

  override dispose(): void {
    super.dispose();
    for (const { m, v } of this.moments) {
      m.dispose();
      v.dispose();
    }
  }
}

interface AdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

const ADAM_UPDATE = 'OdelabAdamUpdate';

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

let adamRegistered = false;
/** Register the fused Adam update on cpu and wasm (idempotent; the optimizer calls it before its first update). */
export function registerAdamKernel(): void {
  if (adamRegistered) return;
  adamRegistered = true;
  // [θ, g, m, v] → [θ', m', v']
  registerHostKernel<AdamAttrs>(ADAM_UPDATE, {
    operands: (inputs) => Object.keys(inputs).map((k) => inputs[k]!),
    outputShapes: (ops) => [ops[0]!.shape, ops[0]!.shape, ops[0]!.shape],
    compute([theta, g, m, v], [out, mOut, vOut], _ops, { lr, beta1, beta2, epsilon, c1, c2 }) {
      for (let i = 0; i < theta!.length; i++) {
        const gi = g![i]!;
        const mi = beta1 * m![i]! + (1 - beta1) * gi;
        const vi = beta2 * v![i]! + (1 - beta2) * gi * gi;
        mOut![i] = mi;
        vOut![i] = vi;
        out![i] = theta![i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
      }
    },
    multiOutput: true,
  });
}
