/**
 * Implicit (backward) Euler: y₁ = y₀ + h f(t₁, y₁), order 1, L-stable, on a
 * fixed grid, each step solved by Newton's method (theta-method.ts). Runs on
 * float64 arrays and on tfjs tensors (backprop differentiates through the
 * Newton iterations).
 */
import { thetaMethod } from '../theta-method.ts';

export const implicitEuler = thetaMethod(1, 'implicit-euler', 1, 'implicit Euler, fixed step, order 1, L-stable, Newton with the Jacobian (stiff problems)');
