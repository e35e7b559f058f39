/**
 * The default of `npm start`: experiments/double-pendulum-lnn.ts in about a
 * minute on 2 cores. Same LNN (128 × 2, softplus, angles as (cos θ, sin θ),
 * Cranmer et al.'s initialisation), objective and energy metric; 3,000 steps
 * instead of 55,000, at a higher peak learning rate (5e-3, clipped) with the
 * velocity box grown over most of the run, and the energy metric over
 * t = 20 instead of 100. It ends with an energy error of a few percent of
 * max|V| (the full run reaches 0.3 %): enough to see the LNN conserve
 * energy, not the published accuracy.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'double-pendulum-quick',
  description: 'LNN on the double pendulum, acceleration regression: quick variant',
  next: 'npx odelab run experiments/double-pendulum-lnn.ts   (the full Cranmer et al. reproduction, about 20 minutes)',
  seed: 0,
  system: { name: 'double-pendulum' },
  // positiveInit: false, as in the full experiment, whose measured configuration this shortens.
  model: { name: 'lnn', hidden: [128, 128], activation: 'softplus', init: 'cranmer', angleInput: 'sin-cos', damping: 1e-4, positiveInit: false },
  integrator: { name: 'rk4', step: 0.01 },
  data: { testTrajectories: 2, timeSpan: 5, points: 101, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [0, 2 * Math.PI], qdot: [-10, 10], velocityWarmup: 2500 },
    steps: 3000,
    lr: 5e-3,
    clipNorm: 100,
    optimizer: { name: 'adam' },
    schedule: { name: 'one-cycle', pctStart: 0.05, divFactor: 3, finalDivFactor: 1000 },
    loss: 'l1',
    logEvery: 50,
  },
  eval: { energyStarts: 40, energyTime: 20, energyFrames: 200 },
});
