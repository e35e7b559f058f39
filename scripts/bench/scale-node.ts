/**
 * The `scale` suite's neural-ODE row, in its child process: one training
 * step of an `mlp` plugin vector field (tanh) through core/train/trainer.ts
 * `trainStep` (the step `odelab run` takes): rk4 with step 0.1 over [0, 1]
 * with 10 output times, MSE against a fixed random target, Adam, the named
 * gradient plugin, on the wasm backend. The model, integrator and gradient
 * strategy are built from the registry's plugins as the runner builds them.
 */
import { initBackend, Rng, tf } from 'odelab';
import { createRegistry, gradientContext, trainStep } from 'odelab/node';
import { trainSchema } from '../../core/config/experiment.ts';
import { createOptimizer } from '../../core/train/optimizers.ts';
import type { Batch } from '../../core/train/batch.ts';
import { NODE_WORK, outputTimes, type ScaleJob, type ScaleOutcome } from './scale-job.ts';
import { timeSteps } from './scale-timing.ts';

export async function runNodeJob(job: Extract<ScaleJob, { kind: 'node' }>): Promise<ScaleOutcome> {
  const backend = await initBackend('wasm');
  const registry = createRegistry();
  const { D, hidden, B } = job.size;
  const rng = new Rng(NODE_WORK.seed);
  const mlp = registry.get('model', 'mlp');
  const model = mlp.create(mlp.options.parse({ hidden, activation: 'tanh' }, 'model') as never, { stateDim: D, seed: rng.uint32() });
  const rk4 = registry.get('integrator', 'rk4');
  const rk4Options = rk4.options.parse({ step: NODE_WORK.step }, 'integrator') as Record<string, unknown>;
  const gradientPlugin = registry.get('gradient', job.gradient);
  const gradient = gradientPlugin.create(
    gradientPlugin.options.parse({}, 'gradient') as never,
    gradientContext(registry.methods(), { name: 'rk4', options: rk4Options }),
  );
  const train = trainSchema.parse({ lr: NODE_WORK.lr, optimizer: { name: 'adam' }, loss: 'mse' }, 'train');
  const parts = { model, integrator: rk4.create(rk4Options as never), gradient, train };
  const t = outputTimes(NODE_WORK.times, NODE_WORK.span);
  const batch: Batch = {
    y0: tf.tensor2d(Float32Array.from({ length: B * D }, () => rng.normal()), [B, D]),
    t,
    target: tf.tensor3d(Float32Array.from({ length: t.length * B * D }, () => rng.normal()), [t.length, B, D]),
  };
  const opt = createOptimizer(train.optimizer, train.lr);
  try {
    const timing = timeSteps(() => trainStep(parts, opt.optimizer, batch), {
      warmup: job.warmup,
      iterations: job.iterations,
      budgetMs: job.budgetMs,
    });
    return { ...timing, backend };
  } finally {
    opt.dispose();
    model.dispose();
  }
}
