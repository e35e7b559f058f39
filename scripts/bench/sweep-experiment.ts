// The `sweep` benchmark's experiment: 8 equal trials (the spiral demo's
// model), differing only in the seed; the suite runs them with STEPS and
// with LONG_STEPS training steps.
import { defineExperiment, grid } from 'odelab';

/** Training steps of each trial. */
export const STEPS = 250;
/** The longer trials the suite also measures: the spiral demo's own training length (experiments/spiral.ts). */
export const LONG_STEPS = 2000;

export default defineExperiment({
  name: 'bench-sweep',
  system: { name: 'spiral', spread: 0.1 },
  model: { name: 'mlp', hidden: [50], activation: 'tanh', inputTransform: 'cube' },
  integrator: { name: 'rk4' },
  data: { trajectories: 4, testTrajectories: 1, points: 200, batchTime: 10, batchSize: 20 },
  train: { steps: STEPS, lr: 1e-3, optimizer: { name: 'rmsprop' }, loss: 'l1', logEvery: 25 },
  eval: { plots: false },
  sweep: {
    parameters: { seed: grid([1, 2, 3, 4, 5, 6, 7, 8]) },
    objective: { metric: 'eval_rollout_mae', mode: 'min' },
  },
});
