/**
 * Backpropagation through the solver: every operation of every step is
 * recorded on tfjs's tape, and reverse mode gives the exact gradient of the
 * discretised trajectory (the "discretise-then-optimise" gradient). Memory
 * grows with the number of steps.
 */
import { definePlugin, s, tensorOps, tf } from '../../core/index.ts';

export default definePlugin({
  kind: 'gradient',
  name: 'backprop',
  description: 'backpropagate through every solver step (exact discrete gradient, memory grows with steps)',
  options: s.object({}),
  create: () => ({
    name: 'backprop',
    trajectory(req) {
      const sol = req.integrator.solve(req.func, req.y0, req.t, tensorOps);
      return { ys: tf.stack(sol.ys), forward: sol.stats };
    },
  }),
});
