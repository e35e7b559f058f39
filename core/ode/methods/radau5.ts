/**
 * Radau IIA, order 5, three stages, adaptive (Hairer & Wanner, Solving ODEs
 * II, §IV.8; the RADAU5 code; SciPy's `Radau`): for stiff problems, float64
 * states only. See core/ode/radau.ts.
 */
import { s } from '../../schema.ts';
import { implicitOptionsShape, jacobianOption } from '../jacobian.ts';
import { adaptiveOptionsShape, resolveTolerance, type Method } from '../method.ts';
import { solveRadau } from '../radau.ts';

const radau5Options = { ...adaptiveOptionsShape, ...implicitOptionsShape };

export const radau5: Method<typeof radau5Options> = {
  name: 'radau5',
  description: 'Radau IIA order 5, adaptive, implicit (simplified Newton, predictive controller), float64 only (stiff problems)',
  order: 5,
  adaptive: true,
  float64Only: true,
  implicit: true,
  options: s.object(radau5Options),
  create: (o) => {
    const jacobian = jacobianOption(o.jacobian);
    return {
      name: 'radau5',
      implicit: true,
      order: 5,
      adaptive: true,
      solve: (f, y0, t, ops, monitor) => solveRadau(f, y0, t, ops, { ...o, jacobian, tol: resolveTolerance(o, ops.precision) }, monitor),
    };
  },
};
