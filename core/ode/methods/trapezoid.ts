/**
 * The trapezoidal rule (implicit, Crank-Nicolson): y₁ = y₀ + h/2 (f(t₀, y₀) + f(t₁, y₁)),
 * order 2, A-stable (not L-stable: very stiff components oscillate instead of
 * decaying), on a fixed grid, each step solved by Newton's method
 * (theta-method.ts). float64 arrays and tfjs tensors.
 */
import { s } from '../../schema.ts';
import { jacobianOption } from '../jacobian.ts';
import type { Method } from '../method.ts';
import { solveTheta } from '../theta-method.ts';
import { fixedImplicitOptionsShape } from './implicit-euler.ts';

export const trapezoid: Method<typeof fixedImplicitOptionsShape> = {
  name: 'trapezoid',
  description: 'implicit trapezoidal rule, fixed step, order 2, A-stable, Newton with the Jacobian (stiff problems)',
  order: 2,
  adaptive: false,
  options: s.object(fixedImplicitOptionsShape),
  create: (o) => {
    const jacobian = jacobianOption(o.jacobian);
    return {
      name: 'trapezoid',
      implicit: true,
      order: 2,
      adaptive: false,
      solve: (f, y0, t, ops) => solveTheta(0.5, 'trapezoid', f, y0, t, ops, { step: o.step, jacobian }),
    };
  },
};
