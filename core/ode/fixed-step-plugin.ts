/**
 * Shared definition of a fixed-step Runge-Kutta integrator plugin: a tableau,
 * a description, and the `step` option.
 */
import { s } from '../config/schema.ts';
import { definePlugin, type IntegratorPlugin } from '../registry/plugin.ts';
import { solveFixedGrid } from './fixed-grid.ts';
import type { ButcherTableau } from './tableau.ts';

const fixedStepOptions = {
  step: s
    .number({ gt: 0 })
    .optional()
    .describe('largest step size; default: one step per output interval (torchdiffeq semantics)'),
};

/** An integrator plugin that steps `tableau` on a fixed grid containing every output time. */
export function fixedStepIntegrator(
  tableau: ButcherTableau,
  description: string,
): IntegratorPlugin<typeof fixedStepOptions> {
  return definePlugin({
    kind: 'integrator',
    name: tableau.name,
    description,
    order: tableau.order,
    adaptive: false,
    options: s.object(fixedStepOptions),
    create: (options) => ({
      name: tableau.name,
      order: tableau.order,
      adaptive: false,
      solve: (f, y0, t, ops) => solveFixedGrid(tableau, f, y0, t, ops, { step: options.step }),
    }),
  });
}
