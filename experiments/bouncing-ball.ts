/**
 * A neural ODE trained through impacts: an MLP learns the free flight of a
 * bouncing ball (ḣ = v, v̇ = −g) from trajectories that bounce two or three
 * times. The floor and the restitution are the system's (its event, h = 0
 * falling, v → −e v): every trajectory the model makes is a chain of its
 * own flights, ended where its own h crosses zero, so the bounce times
 * depend on the weights and the loss reaches them through the event times'
 * gradients (docs/solvers-and-gradients.md, "Events").
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'bouncing-ball',
  description: 'MLP vector field trained through the bounces of a ball (events with state jumps)',
  seed: 0,
  system: { name: 'bouncing-ball', restitution: 0.8 },
  model: { name: 'lnn', hidden: [32, 32], activation: 'softplus' },
  integrator: { name: 'dopri5', rtol: 1e-5, atol: 1e-6 },
  gradient: { name: 'backprop' },
  data: { trajectories: 16, testTrajectories: 4, timeSpan: 2, points: 41, batchSize: 8 },
  train: { objective: { name: 'trajectory' }, steps: 300, lr: 1e-2, optimizer: { name: 'adam' }, logEvery: 25 },
  eval: { energyStarts: 4, energyTime: 2, energyFrames: 200 },
});
