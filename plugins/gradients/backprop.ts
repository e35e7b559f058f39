/**
 * Backpropagation through the solver: every operation of every step is
 * recorded on tfjs's tape, and reverse mode gives the exact gradient of the
 * discretised trajectory (the "discretise-then-optimise" gradient). Memory
 * grows with the number of steps.
 */
import { backpropTrajectory, definePlugin, s } from 'odelab/plugin';

export default definePlugin({
  kind: 'gradient',
  name: 'backprop',
  description: 'backpropagate through every solver step (exact discrete gradient, memory grows with steps)',
  options: s.object({}),
  create: () => ({ name: 'backprop', trajectory: backpropTrajectory }),
});
