/**
 * The `spiral` suite's training loop: the parts of a resolved experiment
 * built as the runner builds them (core/run/runner.ts, `execute`), and N
 * timed iterations of `trainStep`.
 */
import { instantiateSystem } from '../../core/physics/instantiate.ts';
import { Rng } from 'odelab';
import { generateDataset, gradientContext, trainStep, type Registry, type ResolvedExperiment } from 'odelab/node';
import { disposeBatch, sampleBatch } from '../../core/train/batch.ts';
import { createOptimizer, learningRateAt } from '../../core/train/optimizers.ts';
import type { TrainParts } from '../../core/train/trainer.ts';

/** The integrator the runner generates ground truth with (float64). */
const TRUTH_INTEGRATOR = 'dopri8';

/** The training parts, with the runner's seeds: data, initial weights and batches as `odelab run` would have them. */
export function buildSpiralParts(r: ResolvedExperiment, registry: Registry): TrainParts {
  const root = new Rng(r.seed);
  const dataRng = root.fork();
  const initSeed = root.uint32();
  const batchRng = root.fork();
  const system = instantiateSystem(r.system.plugin, r.system.options as never);
  const truth = registry.get('integrator', TRUTH_INTEGRATOR);
  const truthOptions = truth.options.parse({ rtol: r.data.truthRtol, atol: r.data.truthAtol }, 'data');
  const dataset = generateDataset(system, truth.create(truthOptions as never), r.data, dataRng);
  const model = r.model.plugin.create(r.model.options as never, {
    stateDim: system.stateDim,
    coordinates: system.mechanical?.coordinates,
    seed: initSeed,
  });
  return {
    model,
    integrator: r.integrator.plugin.create(r.integrator.options as never),
    gradient: r.gradient.plugin.create(
      r.gradient.options as never,
      gradientContext(registry.methods(), { name: r.integrator.name, options: r.integrator.options }),
    ),
    dataset,
    data: r.data,
    train: r.train,
    rng: batchRng,
  };
}

export interface Quantiles {
  median: number;
  p10: number;
  p90: number;
}

export interface LoopResult {
  iterations: number;
  /** Milliseconds per iteration (batch sampling + trainStep). */
  ms: Quantiles;
  /** Median nfe per iteration: forward, and backward (null without a backward solve). */
  nfeForward: number;
  nfeBackward: number | null;
  /** `evaluate` after the given iterations. */
  evalLoss: Record<number, number>;
  /** Training loss of the last batch (before its update). */
  lastLoss: number;
  /** Time in the iterations only (evaluations excluded). */
  totalMs: number;
}

export interface LoopOptions {
  /** 1-based iterations after which to call `evaluate`. */
  evalAt: readonly number[];
  evaluate(): number;
  log(iteration: number, report: string): void;
}

/** Linear-interpolated quantile of sorted numbers. */
export function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);

/** `iterations` steps of the training loop of core/train/trainer.ts `train`, each timed. */
export function runIterations(parts: TrainParts, iterations: number, options: LoopOptions): LoopResult {
  const { train: cfg, data, dataset, rng } = parts;
  const opt = createOptimizer(cfg.optimizer, cfg.lr);
  const ms: number[] = [];
  const nfeForward: number[] = [];
  const nfeBackward: number[] = [];
  const evalLoss: Record<number, number> = {};
  let lastLoss = NaN;
  try {
    for (let i = 1; i <= iterations; i++) {
      opt.setLearningRate(learningRateAt(cfg.schedule, cfg.lr, i - 1, iterations));
      const t0 = performance.now();
      const batch = sampleBatch(rng, dataset.train, dataset.t, data.batchTime, data.batchSize);
      let step: ReturnType<typeof trainStep>;
      try {
        step = trainStep(parts, opt.optimizer, batch);
      } finally {
        disposeBatch(batch);
      }
      ms.push(performance.now() - t0);
      if (!Number.isFinite(step.loss)) throw new Error(`training loss became ${step.loss} at iteration ${i}`);
      lastLoss = step.loss;
      nfeForward.push(step.forward.nfe);
      if (step.backward) nfeBackward.push(step.backward.nfe);
      if (options.evalAt.includes(i)) {
        evalLoss[i] = options.evaluate();
        options.log(i, `full-trajectory L1 ${evalLoss[i]!.toFixed(4)}, median ${median(ms).toFixed(1)} ms/iteration so far`);
      }
    }
  } finally {
    opt.dispose();
  }
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    iterations,
    ms: { median: quantile(sorted, 0.5), p10: quantile(sorted, 0.1), p90: quantile(sorted, 0.9) },
    nfeForward: median(nfeForward),
    nfeBackward: nfeBackward.length > 0 ? median(nfeBackward) : null,
    evalLoss,
    lastLoss,
    totalMs: ms.reduce((a, b) => a + b, 0),
  };
}
