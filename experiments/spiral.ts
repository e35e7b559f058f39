/**
 * The torchdiffeq demo (examples/ode_demo.py): learn the cubic spiral from
 * batches of 20 random segments of 10 time points with an L1 loss.
 * The default experiment of `npm start`.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'spiral',
  description: 'torchdiffeq demo: neural ODE fitted to the cubic spiral',
  seed: 0,
  system: { name: 'spiral', spread: 0.2 },
  // The demo's ODEFunc is net(y**3): inputTransform 'cube'.
  model: { name: 'mlp', hidden: [50], activation: 'tanh', init: 'normal', initStd: 0.1, inputTransform: 'cube' },
  integrator: { name: 'dopri5' }, // as in the demo; float32 default tolerances rtol 1e-5, atol 1e-6
  gradient: { name: 'backprop' },
  data: { trajectories: 4, testTrajectories: 2, points: 1000, batchTime: 10, batchSize: 20 },
  train: { steps: 2000, lr: 1e-3, optimizer: { name: 'rmsprop' }, loss: 'l1', logEvery: 10 },
});
