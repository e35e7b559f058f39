/**
 * The torchdiffeq demo problem (Chen et al. 2018, examples/ode_demo.py):
 * dy/dt = (y³) A with A = [[-0.1, 2], [-2, -0.1]] (y a row vector, cubed
 * element-wise), y0 = [2, 0], t in [0, 25]. A damped cubic spiral.
 */
import { definePlugin, s } from 'odelab/plugin';

const A = [
  [-0.1, 2.0],
  [-2.0, -0.1],
] as const;

export default definePlugin({
  kind: 'system',
  name: 'spiral',
  description: 'torchdiffeq demo spiral dy/dt = (y^3) A, y0 = [2, 0], t in [0, 25]',
  options: s.object({
    y0: s.array(s.number(), { minLength: 2, maxLength: 2 }).default([2, 0]).describe('centre of the initial states'),
    spread: s
      .number({ min: 0 })
      .default(0)
      .describe('std of Gaussian noise on y0 per sampled trajectory (0: every trajectory starts at y0)'),
    timeSpan: s.number({ gt: 0 }).default(25).describe('trajectory length'),
  }),
  create: (o) => ({
    stateDim: 2,
    timeSpan: o.timeSpan,
    derivative(_t, y) {
      const a = y[0]! ** 3;
      const b = y[1]! ** 3;
      return Float64Array.of(a * A[0][0] + b * A[1][0], a * A[0][1] + b * A[1][1]);
    },
    sampleInitialState(rng) {
      return Float64Array.from(o.y0, (v) => v + (o.spread > 0 ? o.spread * rng.normal() : 0));
    },
    // A mathematical demo: neither y nor t has a physical unit.
    labels: { state: ['y₁', 'y₂'], stateUnits: ['', ''], time: '' },
  }),
});
