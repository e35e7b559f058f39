/**
 * The harmonic oscillator m q̈ = -k q, state (q, q̇). Energy
 * E = ½ m q̇² + ½ k q² is conserved; the simplest mechanical system.
 */
import { definePlugin, s } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'harmonic-oscillator',
  description: 'mass on a spring, m d2q/dt2 = -k q, state (q, dq/dt)',
  options: s.object({
    mass: s.number({ gt: 0 }).default(1).describe('mass (kg)'),
    stiffness: s.number({ gt: 0 }).default(1).describe('spring constant k (N/m)'),
    amplitude: s
      .array(s.number({ gt: 0 }), { minLength: 2, maxLength: 2 })
      .default([0.5, 1.5])
      .describe('range of the oscillation amplitude of sampled initial states'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: (o) => {
    const omega = Math.sqrt(o.stiffness / o.mass);
    return {
      stateDim: 2,
      timeSpan: o.timeSpan,
      derivative: (_t, x) => Float64Array.of(x[1]!, -(o.stiffness / o.mass) * x[0]!),
      sampleInitialState(rng) {
        const [lo, hi] = o.amplitude as [number, number];
        const r = rng.range(lo, hi);
        const phase = rng.range(0, 2 * Math.PI);
        return Float64Array.of(r * Math.cos(phase), -r * omega * Math.sin(phase));
      },
      mechanical: {
        coordinates: 1,
        angles: [false],
        kinetic: (x) => 0.5 * o.mass * x[1]! ** 2,
        potential: (x) => 0.5 * o.stiffness * x[0]! ** 2,
      },
      // SI: mass in kg and k in N/m make q a displacement in m and the energies J.
      labels: { state: ['x', 'x\u0307'], stateUnits: ['m', 'm/s'], time: 's', energy: 'J' },
    };
  },
});
