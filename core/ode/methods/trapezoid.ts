/**
 * The trapezoidal rule (implicit, Crank-Nicolson): y₁ = y₀ + h/2 (f(t₀, y₀) + f(t₁, y₁)),
 * order 2, A-stable (not L-stable: very stiff components oscillate instead of
 * decaying), on a fixed grid, each step solved by Newton's method
 * (theta-method.ts). float64 arrays and tfjs tensors.
 */
import { thetaMethod } from '../theta-method.ts';

export const trapezoid = thetaMethod(0.5, 'trapezoid', 2, 'implicit trapezoidal rule, fixed step, order 2, A-stable, Newton with the Jacobian (stiff problems)');
