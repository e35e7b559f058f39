/**
 * A Lagrangian with a term linear in the velocities: a charged particle in a
 * uniform magnetic field in a harmonic trap (plugins/systems/charged-particle.ts,
 * L = ½ m |v|² + (qB/2)(x ẏ − y ẋ) − ½ k r²), learned by an LNN from its
 * accelerations (Cranmer et al.'s objective). The network sees (q, q̇)
 * scaled to order 1 (`inputScale`: 1/2 for positions in [−2, 2], 1/4 for
 * velocities in [−4, 4]); with raw inputs of order 10 the same LNN's loss
 * stays flat (docs/physics-and-models.md, "Velocity-dependent Lagrangians").
 * experiments/charged-particle-baseline.ts is the same run with an MLP.
 * About a minute on 2 cores.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'charged-particle-lnn',
  description: 'LNN learns a charged particle in a magnetic field (L linear in the velocities), acceleration regression',
  seed: 0,
  system: { name: 'charged-particle' },
  model: { name: 'lnn', hidden: [64, 64], activation: 'softplus', init: 'cranmer', inputScale: [0.5, 0.5, 0.25, 0.25], damping: 1e-4 },
  integrator: { name: 'rk4', step: 0.01 },
  data: { testTrajectories: 2, timeSpan: 5, points: 101, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [-2, 2], qdot: [-4, 4] },
    steps: 3000,
    lr: 5e-3,
    clipNorm: 100,
    optimizer: { name: 'adam' },
    schedule: { name: 'one-cycle', pctStart: 0.05, divFactor: 3, finalDivFactor: 1000 },
    loss: 'l1',
    logEvery: 50,
  },
  // t = 100 as in Cranmer et al.: the MLP's energy error grows with time, the LNN's stays bounded.
  eval: { energyStarts: 20, energyTime: 100, energyFrames: 500 },
});
