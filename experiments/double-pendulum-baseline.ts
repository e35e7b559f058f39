/**
 * The baseline of Cranmer et al. 2020's double-pendulum experiment: an
 * unstructured MLP from (q, q̇) to q̈ (angles wrapped), trained exactly like
 * experiments/double-pendulum-lnn.ts (same states, loss, optimiser, schedule,
 * steps and evaluation), so the two runs differ only in the model.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'double-pendulum-baseline',
  description: 'unstructured MLP baseline on the double pendulum, acceleration regression (Cranmer et al. 2020, scaled)',
  seed: 0,
  system: { name: 'double-pendulum' },
  model: { name: 'mlp', hidden: [128, 128], activation: 'softplus', init: 'glorot-uniform', output: 'acceleration' },
  integrator: { name: 'dopri5', rtol: 1e-6, atol: 1e-8 },
  data: { testTrajectories: 4, timeSpan: 10, points: 201, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [0, 2 * Math.PI], qdot: [-10, 10] },
    steps: 50_000,
    lr: 3e-3,
    optimizer: { name: 'adam' },
    schedule: { name: 'one-cycle' },
    loss: 'l1',
    logEvery: 100,
  },
  eval: { energyStarts: 40, energyTime: 100, energyFrames: 1000 },
});
