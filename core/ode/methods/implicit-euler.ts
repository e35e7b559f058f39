/**
 * Implicit (backward) Euler: y₁ = y₀ + h f(t₁, y₁), order 1, L-stable, on a
 * fixed grid, each step solved by Newton's method (theta-method.ts). Runs on
 * float64 arrays and on tfjs tensors (backprop differentiates through the
 * Newton iterations).
 */
import { s } from '../../schema.ts';
import { implicitOptionsShape, jacobianOption } from '../jacobian.ts';
import type { Method } from '../method.ts';
import { solveTheta } from '../theta-method.ts';

export const fixedImplicitOptionsShape = {
  step: s.number({ gt: 0 }).optional().describe('largest step size; default: one step per output interval (torchdiffeq semantics)'),
  ...implicitOptionsShape,
};

export const implicitEuler: Method<typeof fixedImplicitOptionsShape> = {
  name: 'implicit-euler',
  description: 'implicit Euler, fixed step, order 1, L-stable, Newton with the Jacobian (stiff problems)',
  order: 1,
  adaptive: false,
  options: s.object(fixedImplicitOptionsShape),
  create: (o) => {
    const jacobian = jacobianOption(o.jacobian);
    return {
      name: 'implicit-euler',
      implicit: true,
      order: 1,
      adaptive: false,
      solve: (f, y0, t, ops) => solveTheta(1, 'implicit-euler', f, y0, t, ops, { step: o.step, jacobian }),
    };
  },
};
