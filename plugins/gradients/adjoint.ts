/**
 * The continuous adjoint of the seed (§2.3, eqs. 4-7; Chen et al. 2018):
 * gradients from a second, backward solve of the adjoint equations, at
 * memory that does not grow with the number of solver steps. The gradient
 * is the continuous one (optimise-then-discretise): it matches backprop's to
 * the solver tolerance, not to rounding.
 */
import { adjointTrajectory, definePlugin, s } from 'odelab/plugin';

export default definePlugin({
  kind: 'gradient',
  name: 'adjoint',
  description: 'continuous adjoint: backward solve of the adjoint ODE (memory constant in the number of steps)',
  options: s.object({
    method: s.string().optional().describe("backward integrator (default: the forward one's)"),
    rtol: s.number({ gt: 0 }).optional().describe("backward relative tolerance (default: the forward's)"),
    atol: s.number({ min: 0 }).optional().describe("backward absolute tolerance (default: the forward's)"),
    seminorm: s
      .boolean()
      .default(true)
      .describe('leave the parameter-gradient components out of the backward error norm (fewer steps, as torchdiffeq/diffrax)'),
  }),
  create: (settings, context) => ({
    name: 'adjoint',
    trajectory: (req) => adjointTrajectory({ ...req, forward: req.integrator, context, settings }),
  }),
});
