/**
 * A Lagrangian with a term linear in the velocities: a particle in an
 * anisotropic harmonic well seen from a rotating frame
 * (plugins/systems/rotating-frame.ts, Coriolis and centrifugal forces),
 * learned by an LNN from its accelerations, inputs scaled to order 1 as in
 * experiments/charged-particle-lnn.ts. experiments/rotating-frame-baseline.ts
 * is the same run with an MLP. About a minute on 2 cores.
 */
import { defineExperiment } from 'odelab';
import charged from './charged-particle-lnn.ts';

export default defineExperiment({
  ...charged,
  name: 'rotating-frame-lnn',
  description: 'LNN learns a particle seen from a rotating frame (L linear in the velocities), acceleration regression',
  system: { name: 'rotating-frame' },
});
