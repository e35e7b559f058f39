/**
 * The quick variant of experiments/double-pendulum-lnn.ts, the default of
 * `npm start` (under 3 minutes on a 2-core machine): the same LNN, objective
 * and evaluation, with a narrower network (64 × 2), 3,000 steps, and a
 * smaller energy evaluation (10 starts to t = 20, rk4 at step 0.01). It shows the whole path
 * (float64 data, LNN training, energy metric, plots in ./mlruns), not the
 * published accuracy; for that, run the full experiment.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'double-pendulum-quick',
  description: 'LNN on the double pendulum, acceleration regression: quick variant',
  seed: 0,
  system: { name: 'double-pendulum' },
  model: { name: 'lnn', hidden: [64, 64], activation: 'softplus', init: 'glorot-normal' },
  integrator: { name: 'rk4', step: 0.01 },
  data: { testTrajectories: 2, timeSpan: 5, points: 101, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [0, 2 * Math.PI], qdot: [-10, 10], velocityWarmup: 2000 },
    steps: 3000,
    lr: 3e-3,
    optimizer: { name: 'adam' },
    schedule: { name: 'one-cycle', pctStart: 0.05, divFactor: 3, finalDivFactor: 1000 },
    loss: 'l1',
    logEvery: 50,
  },
  eval: { energyStarts: 10, energyTime: 20, energyFrames: 200 },
});
