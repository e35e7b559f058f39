/**
 * New physics from a plugin outside plugins/: the spring pendulum of
 * experiments/physics/spring-pendulum.ts is given only by its Lagrangian
 * (odelab derives its motion in float64), and an LNN learns it by trajectory
 * matching through the ODE solver (backprop through rk4), the second
 * training mode. Small enough to run in about a minute.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'spring-pendulum-lnn',
  description: 'LNN learns a system given by its Lagrangian alone, trajectory matching through rk4',
  seed: 0,
  plugins: ['./physics/spring-pendulum.ts'],
  system: { name: 'spring-pendulum', timeSpan: 5 },
  // Early in training the learned L can lose its velocity dependence on some states (∇q̇∇q̇ᵀL → 0):
  // the damping floor keeps q̈ bounded there (without it this run's loss became NaN at step 81).
  model: { name: 'lnn', hidden: [32, 32], init: 'glorot-normal', damping: 1e-3, dampingFloor: 1e-3 },
  integrator: { name: 'rk4', step: 0.01 },
  gradient: { name: 'backprop' },
  data: { trajectories: 16, testTrajectories: 2, points: 101, batchTime: 10, batchSize: 16 },
  train: { objective: { name: 'trajectory' }, steps: 300, lr: 1e-3, loss: 'l1', clipNorm: 1, logEvery: 20 },
  eval: { energyStarts: 8, energyTime: 10, energyFrames: 200 },
});
