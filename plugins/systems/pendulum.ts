/**
 * The simple pendulum: a point mass m on a massless rod of length l, angle θ
 * from the downward vertical, state (θ, ω). θ̈ = −(g/l) sin θ, from
 * L = ½ m l² ω² + m g l cos θ; energy T + V with V = −m g l cos θ.
 */
import { definePlugin, s } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'pendulum',
  description: 'simple pendulum, state (theta, omega), angle from the downward vertical',
  options: s.object({
    m: s.number({ gt: 0 }).default(1).describe('mass (kg)'),
    l: s.number({ gt: 0 }).default(1).describe('rod length (m)'),
    g: s.number({ min: 0 }).default(9.8).describe('gravitational acceleration (m/s²)'),
    maxAngle: s.number({ gt: 0 }).default(Math.PI / 2).describe('initial angle drawn uniformly from [-maxAngle, maxAngle]'),
    maxVelocity: s.number({ min: 0 }).default(1).describe('initial angular velocity drawn uniformly from [-maxVelocity, maxVelocity]'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: ({ m, l, g, maxAngle, maxVelocity, timeSpan }) => ({
    stateDim: 2,
    timeSpan,
    derivative: (_t, x) => Float64Array.of(x[1]!, -(g / l) * Math.sin(x[0]!)),
    sampleInitialState: (rng) => Float64Array.of(rng.range(-maxAngle, maxAngle), rng.range(-maxVelocity, maxVelocity)),
    mechanical: {
      coordinates: 1,
      angles: [true],
      kinetic: (x) => 0.5 * m * l * l * x[1]! ** 2,
      potential: (x) => -m * g * l * Math.cos(x[0]!),
    },
    // SI parameters (kg, m, m/s²): energies in J.
    labels: { state: ['θ', 'ω'], stateUnits: ['rad', 'rad/s'], time: 's', energy: 'J' },
  }),
});
