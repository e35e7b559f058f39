/**
 * An LNN on the simple pendulum whose rollouts are integrated with leapfrog
 * (velocity Verlet, symplectic, issue 21): training regresses accelerations
 * (no solve), and the experiment's integrator drives every evaluation
 * rollout, including the energy metric's 100 s rollouts. A symplectic
 * integrator keeps the energy error of those rollouts bounded instead of
 * adding its own drift to the model's (rk4 at this step drifts; see
 * docs/solvers-and-gradients.md, "Symplectic integrators").
 *
 * The pendulum's q̈ depends on q only, so the config accepts leapfrog; the
 * learned acceleration is evaluated at the half-step velocity (an LNN's
 * q̈ may depend on q̇ a little). For a learned field that is far from
 * separable use `--set integrator.name=implicit-midpoint`.
 */
import { defineExperiment } from 'odelab';

export default defineExperiment({
  name: 'pendulum-leapfrog',
  description: 'LNN on the pendulum, acceleration regression, leapfrog rollouts',
  seed: 0,
  system: { name: 'pendulum' },
  model: { name: 'lnn', hidden: [64, 64], activation: 'softplus', init: 'glorot-normal' },
  integrator: { name: 'leapfrog', step: 0.01 },
  data: { trajectories: 4, testTrajectories: 2, timeSpan: 5, points: 101, batchSize: 256 },
  train: {
    objective: { name: 'acceleration', q: [-Math.PI, Math.PI], qdot: [-4, 4] },
    steps: 1500,
    lr: 3e-3,
    optimizer: { name: 'adam' },
    loss: 'l1',
    logEvery: 50,
  },
  eval: { energyStarts: 20, energyTime: 100, energyFrames: 500 },
});
