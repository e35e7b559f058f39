/**
 * A ball bouncing on the floor: height h and velocity v under gravity g,
 * state (h, v), ḣ = v, v̇ = −g. When h crosses zero falling it bounces:
 * v → −e v, with e the coefficient of restitution (e = 1: elastic). Its
 * trajectory is a chain of free flights joined by these jumps (the system's
 * event, core/ode/event-chain.ts), so a model's trajectory bounces too, at
 * times that depend on the model and carry its gradients.
 */
import { definePlugin, s, tf } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'bouncing-ball',
  description: 'ball bouncing on the floor with restitution e, state (h, v); an event (h = 0, falling) with a jump v -> -e v',
  options: s.object({
    m: s.number({ gt: 0 }).default(1).describe('mass (kg)'),
    g: s.number({ gt: 0 }).default(9.8).describe('gravitational acceleration (m/s²)'),
    restitution: s.number({ gt: 0, max: 1 }).default(0.8).describe('coefficient of restitution e: the speed kept at a bounce'),
    minHeight: s.number({ gt: 0 }).default(0.5).describe('initial height drawn uniformly from [minHeight, maxHeight] (m)'),
    maxHeight: s.number({ gt: 0 }).default(1.5).describe('see minHeight (m)'),
    maxVelocity: s.number({ min: 0 }).default(1).describe('initial velocity drawn uniformly from [-maxVelocity, maxVelocity] (m/s)'),
    maxEvents: s.integer({ min: 1 }).default(100).describe('most bounces in one trajectory (the ball comes to rest after infinitely many)'),
    timeSpan: s.number({ gt: 0 }).default(2),
  }),
  create: ({ m, g, restitution: e, minHeight, maxHeight, maxVelocity, maxEvents, timeSpan }) => ({
    stateDim: 2,
    timeSpan,
    derivative: (_t, x) => Float64Array.of(x[1]!, -g),
    sampleInitialState: (rng) => Float64Array.of(rng.range(minHeight, Math.max(minHeight, maxHeight)), rng.range(-maxVelocity, maxVelocity)),
    event: {
      fn: (_t, x) => x[0]!,
      direction: 'falling',
      jump: (_t, x) => Float64Array.of(x[0]!, -e * x[1]!),
      jumpTensor: (_t, x) => tf.mul(x, tf.tensor1d([1, -e])),
      maxEvents,
    },
    mechanical: {
      coordinates: 1,
      angles: [false],
      kinetic: (x) => 0.5 * m * x[1]! ** 2,
      potential: (x) => m * g * x[0]!,
    },
    labels: { state: ['h', 'v'], stateUnits: ['m', 'm/s'], time: 's', energy: 'J' },
  }),
});
