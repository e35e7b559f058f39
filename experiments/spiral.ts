/**
 * The torchdiffeq demo (examples/ode_demo.py), as published: true dynamics
 * dy/dt = (y³)A from y0 = [2, 0], 1000 points on [0, 25]; each iteration
 * fits 20 random start points and the next 10 time points with an L1 loss;
 * the model is an MLP 2-50-2 with tanh applied to y³, weights N(0, 0.1),
 * biases 0; RMSprop at lr 1e-3; dopri5 at rtol 1e-7, atol 1e-9.
 * As in the demo, evaluation is the full-trajectory L1 loss from y0 (the
 * held-out trajectory is the demo's own: spread 0).
 *
 * `odelab sweep experiments/spiral.ts --workers 2` runs the sweep section:
 * 2 widths × 2 learning rates drawn log-uniformly = 4 trials, ranked by the
 * held-out rollout error (add `--set train.steps=200` for a quick look).
 */
import { defineExperiment, grid, loguniform } from 'odelab';

export default defineExperiment({
  name: 'spiral',
  description: 'torchdiffeq demo: neural ODE fitted to the cubic spiral',
  seed: 0,
  system: { name: 'spiral', y0: [2, 0], spread: 0, timeSpan: 25 },
  model: { name: 'mlp', hidden: [50], activation: 'tanh', init: 'normal', initStd: 0.1, inputTransform: 'cube' },
  integrator: { name: 'dopri5', rtol: 1e-7, atol: 1e-9 },
  gradient: { name: 'backprop' },
  data: { trajectories: 1, testTrajectories: 1, points: 1000, batchTime: 10, batchSize: 20 },
  train: { steps: 2000, lr: 1e-3, optimizer: { name: 'rmsprop' }, loss: 'l1', logEvery: 10 },
  sweep: {
    parameters: { 'model.hidden': grid([[32], [50]]), 'train.lr': loguniform(3e-4, 3e-3) },
    trials: 2,
    objective: { metric: 'eval_rollout_mae', mode: 'min' },
  },
});
