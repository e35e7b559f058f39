/**
 * Leapfrog in its velocity Verlet form (Verlet 1967; Hairer, Lubich & Wanner,
 * Geometric Numerical Integration, I.1.4): for separable states (q, q̇) whose
 * acceleration depends on q only, v½ = v + (h/2) a(q), q' = q + h v½,
 * v' = v½ + (h/2) a(q'). Symplectic, time-reversible, order 2, one force
 * evaluation per step (a(q') is the next step's a(q)).
 */
import { separableMethod } from '../symplectic.ts';

export const leapfrog = separableMethod(
  'leapfrog',
  2,
  [1],
  'Leapfrog (velocity Verlet), order 2, fixed step, symplectic; separable systems only (acceleration a function of q)',
);
