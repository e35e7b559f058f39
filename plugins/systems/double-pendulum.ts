/**
 * The double pendulum: two point masses on massless rods, angles θ1, θ2 from
 * the downward vertical, state (θ1, θ2, ω1, ω2). Closed-form equations of
 * motion from the Lagrangian
 * L = ½(m1+m2) l1² ω1² + ½ m2 l2² ω2² + m2 l1 l2 ω1 ω2 cos(θ1-θ2)
 *     + (m1+m2) g l1 cos θ1 + m2 g l2 cos θ2
 * (Cranmer et al. 2020's benchmark; chaotic at high energy).
 */
import { definePlugin, s } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'double-pendulum',
  description: 'double pendulum, state (theta1, theta2, omega1, omega2), angles from the downward vertical',
  options: s.object({
    m1: s.number({ gt: 0 }).default(1).describe('mass of the first bob (kg)'),
    m2: s.number({ gt: 0 }).default(1).describe('mass of the second bob (kg)'),
    l1: s.number({ gt: 0 }).default(1).describe('length of the first rod (m)'),
    l2: s.number({ gt: 0 }).default(1).describe('length of the second rod (m)'),
    g: s.number({ min: 0 }).default(9.8).describe('gravitational acceleration (m/s²)'),
    maxAngle: s.number({ gt: 0 }).default(Math.PI / 2).describe('initial angles drawn uniformly from [-maxAngle, maxAngle]'),
    maxVelocity: s.number({ min: 0 }).default(1).describe('initial angular velocities drawn uniformly from [-maxVelocity, maxVelocity]'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: ({ m1, m2, l1, l2, g, maxAngle, maxVelocity, timeSpan }) => ({
    stateDim: 4,
    timeSpan,
    derivative(_t, x) {
      const [t1, t2, w1, w2] = x as unknown as [number, number, number, number];
      const d = t1 - t2;
      const den = 2 * m1 + m2 - m2 * Math.cos(2 * d);
      const a1 =
        (-g * (2 * m1 + m2) * Math.sin(t1) -
          m2 * g * Math.sin(t1 - 2 * t2) -
          2 * Math.sin(d) * m2 * (w2 * w2 * l2 + w1 * w1 * l1 * Math.cos(d))) /
        (l1 * den);
      const a2 =
        (2 * Math.sin(d) * (w1 * w1 * l1 * (m1 + m2) + g * (m1 + m2) * Math.cos(t1) + w2 * w2 * l2 * m2 * Math.cos(d))) /
        (l2 * den);
      return Float64Array.of(w1, w2, a1, a2);
    },
    sampleInitialState: (rng) =>
      Float64Array.of(
        rng.range(-maxAngle, maxAngle),
        rng.range(-maxAngle, maxAngle),
        rng.range(-maxVelocity, maxVelocity),
        rng.range(-maxVelocity, maxVelocity),
      ),
    mechanical: {
      coordinates: 2,
      angles: [true, true],
      kinetic: ([t1, t2, w1, w2]) =>
        0.5 * (m1 + m2) * l1 * l1 * w1! * w1! + 0.5 * m2 * l2 * l2 * w2! * w2! + m2 * l1 * l2 * w1! * w2! * Math.cos(t1! - t2!),
      potential: ([t1, t2]) => -(m1 + m2) * g * l1 * Math.cos(t1!) - m2 * g * l2 * Math.cos(t2!),
    },
    // SI parameters (kg, m, m/s²): energies in J.
    labels: { state: ['θ₁', 'θ₂', 'ω₁', 'ω₂'], stateUnits: ['rad', 'rad', 'rad/s', 'rad/s'], time: 's', energy: 'J' },
  }),
});
