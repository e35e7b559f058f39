// The elastic (spring) pendulum, written only as its Lagrangian: a third-party
// system plugin whose `create` returns a LagrangianSpec; odelab derives the
// equations of motion (q̈ from L's Hessian), the energy and the potential.
// Load it with `--plugin experiments/physics/spring-pendulum.ts`.
import { definePlugin, s, type LagrangianSpec } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'spring-pendulum',
  description: 'mass on a spring swinging in a plane, state (r, theta, dr/dt, dtheta/dt), from its Lagrangian alone',
  options: s.object({
    m: s.number({ gt: 0 }).default(1).describe('mass (kg)'),
    k: s.number({ gt: 0 }).default(40).describe('spring constant (N/m)'),
    l0: s.number({ gt: 0 }).default(1).describe('rest length of the spring (m)'),
    g: s.number({ min: 0 }).default(9.8).describe('gravity (m/s²)'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: ({ m, k, l0, g, timeSpan }): LagrangianSpec => ({
    coordinates: 2,
    angles: [false, true],
    labels: { state: ['r', 'θ', 'ṙ', 'θ̇'], stateUnits: ['m', 'rad', 'm/s', 'rad/s'], time: 's', energy: 'J' },
    // L = ½ m (ṙ² + r² θ̇²) + m g r cos θ − ½ k (r − l0)²
    lagrangian: ([r, theta], [rd, thetad]) =>
      rd!.sq().add(r!.mul(thetad!).sq()).mul(0.5 * m)
        .add(r!.mul(theta!.cos()).mul(m * g))
        .sub(r!.sub(l0).sq().mul(0.5 * k)),
    sampleInitialState: (rng) => {
      const rest = l0 + (m * g) / k;
      return Float64Array.of(rng.range(0.8 * rest, 1.2 * rest), rng.range(-1, 1), rng.range(-0.5, 0.5), rng.range(-1, 1));
    },
    timeSpan,
  }),
});
