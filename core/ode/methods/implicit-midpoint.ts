/**
 * The implicit midpoint rule y' = y + h f(t + h/2, (y + y')/2) (Hairer,
 * Lubich & Wanner, Geometric Numerical Integration, VI.3): order 2,
 * symplectic for every Hamiltonian system, separable or not (a learned
 * Lagrangian's dynamics), and on any state. Solved by fixed-point iteration
 * (core/ode/symplectic.ts), a few evaluations of f per step.
 */
import { implicitMidpointMethod } from '../symplectic.ts';

export const implicitMidpoint = implicitMidpointMethod(
  'Implicit midpoint rule, order 2, fixed step, symplectic for any Hamiltonian (fixed-point iteration)',
);
