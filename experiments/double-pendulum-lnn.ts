/**
 * Cranmer et al. 2020's double-pendulum experiment, scaled to a 2-core
 * machine: a Lagrangian network L(q, q̇) trained by acceleration regression
 * on fresh random states each batch (q ~ U[0, 2π)², q̇ ~ U[-10, 10]², L1 loss
 * on q̈, Adam with a one-cycle schedule), then evaluated by the energy metric
 * (40 starts at random angles with q̇ ~ U[0, 0.1), rolled out to t = 100 in
 * 1,000 frames; |E_pred − E_true| at t = 100 over max|V|, in percent).
 *
 * Scaled down from the authors' notebook (width 600, batch 512, hundreds of
 * thousands of steps on a GPU): width 128 × 2 hidden layers, batch 256,
 * 50,000 steps (about 25 minutes here). See README, "Reproducing Cranmer et
 * al." for the measured figures. Compare experiments/double-pendulum-baseline.ts.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'double-pendulum-lnn',
  description: 'LNN on the double pendulum, acceleration regression (Cranmer et al. 2020, scaled)',
  seed: 0,
  system: { name: 'double-pendulum' },
  model: { name: 'lnn', hidden: [128, 128], activation: 'softplus', init: 'glorot-normal' },
  integrator: { name: 'dopri5', rtol: 1e-6, atol: 1e-8 },
  data: { testTrajectories: 4, timeSpan: 10, points: 201, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [0, 2 * Math.PI], qdot: [-10, 10], velocityWarmup: 20_000 },
    steps: 60_000,
    lr: 3e-3,
    optimizer: { name: 'adam' },
    schedule: { name: 'one-cycle', pctStart: 0.05, divFactor: 3, finalDivFactor: 1000 },
    loss: 'l1',
    logEvery: 100,
  },
  eval: { energyStarts: 40, energyTime: 100, energyFrames: 1000 },
});
