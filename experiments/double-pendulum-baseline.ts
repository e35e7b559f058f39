/**
 * The baseline of Cranmer et al. 2020's double-pendulum experiment: an
 * unstructured MLP from (q, q̇) to q̈ (angles wrapped, same width, activation
 * and initialisation), trained and evaluated exactly like
 * experiments/double-pendulum-lnn.ts (same states, velocity warm-up, loss,
 * optimiser, schedule, steps and evaluation): the two runs differ only in
 * the model.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'double-pendulum-baseline',
  description: 'unstructured MLP baseline on the double pendulum, acceleration regression (Cranmer et al. 2020, scaled)',
  seed: 0,
  system: { name: 'double-pendulum' },
  model: { name: 'mlp', hidden: [128, 128], activation: 'softplus', init: 'glorot-normal', output: 'acceleration' },
  // Only the evaluation rollouts integrate (training regresses accelerations): rk4 at 0.005 conserves
  // the true double pendulum's energy to 0.001% of max|V| over t = 100 (0.03% at step 0.01).
  integrator: { name: 'rk4', step: 0.005 },
  data: { testTrajectories: 4, timeSpan: 10, points: 201, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [0, 2 * Math.PI], qdot: [-10, 10], velocityWarmup: 25_000 },
    steps: 55_000,
    lr: 1e-3,
    clipNorm: 100,
    optimizer: { name: 'adam' },
    schedule: { name: 'one-cycle', pctStart: 0.05, divFactor: 3, finalDivFactor: 1000 },
    loss: 'l1',
    logEvery: 100,
  },
  eval: { energyStarts: 40, energyTime: 100, energyFrames: 1000 },
});
