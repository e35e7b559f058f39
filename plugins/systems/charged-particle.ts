/**
 * A charged particle in a uniform magnetic field B ẑ, moving in the plane in
 * a trap, given by its Lagrangian alone (odelab derives the motion):
 *   L = ½ m (ẋ² + ẏ²) + q A(x, y)·(ẋ, ẏ) − V(x, y),
 *   V = ½ k (x² + y²) + ¼ a (x² + y²)²,
 * with the vector potential A in the symmetric gauge (B/2)(−y, x) (default)
 * or the Landau gauge (−B y, 0). L has a term linear in q̇ (gyroscopic); the
 * two gauges differ by the total derivative d/dt(q B x y / 2), so they give
 * the same motion (the Lorentz force): m ẍ = q B ẏ − ∂V/∂x,
 * m ÿ = −q B ẋ − ∂V/∂y, and the same conserved energy ½ m |v|² + V.
 * With k = a = 0 there is no potential (V ≡ 0): cyclotron circles.
 */
import { definePlugin, s, type LagrangianSpec } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'charged-particle',
  description: 'charged particle in a uniform magnetic field in a planar trap, state (x, y, dx/dt, dy/dt), from its Lagrangian alone (velocity-dependent: q A·v)',
  options: s.object({
    m: s.number({ gt: 0 }).default(1).describe('mass (kg)'),
    charge: s.number().default(1).describe('charge q (C)'),
    b: s.number().default(1).describe('magnetic field B along z (T); the cyclotron frequency is qB/m'),
    k: s.number({ min: 0 }).default(1).describe('harmonic trap stiffness (N/m); 0 with quartic 0: no potential'),
    quartic: s.number({ min: 0 }).default(0).describe('anharmonic trap term a in ¼ a r⁴ (N/m³)'),
    gauge: s.enum(['symmetric', 'landau'] as const).default('symmetric').describe("vector potential: (B/2)(−y, x) or (−B y, 0); the motion is the same"),
    radius: s.number({ gt: 0 }).default(1).describe('initial positions uniform in the disk of this radius (m)'),
    maxVelocity: s.number({ min: 0 }).default(1).describe('initial velocities uniform in [−maxVelocity, maxVelocity] per component (m/s)'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: ({ m, charge, b, k, quartic, gauge, radius, maxVelocity, timeSpan }): LagrangianSpec => ({
    coordinates: 2,
    angles: [false, false],
    labels: { state: ['x', 'y', 'x\u0307', 'y\u0307'], stateUnits: ['m', 'm', 'm/s', 'm/s'], time: 's', energy: 'J' },
    lagrangian: ([x, y], [xd, yd]) => {
      const r2 = x!.sq().add(y!.sq());
      const kinetic = xd!.sq().add(yd!.sq()).mul(0.5 * m);
      const magnetic = gauge === 'symmetric' ? x!.mul(yd!).sub(y!.mul(xd!)).mul(0.5 * charge * b) : y!.mul(xd!).mul(-charge * b);
      const potential = r2.mul(0.5 * k).add(r2.sq().mul(0.25 * quartic));
      return kinetic.add(magnetic).sub(potential);
    },
    sampleInitialState: (rng) => {
      const r = radius * Math.sqrt(rng.range(0, 1));
      const phi = rng.range(0, 2 * Math.PI);
      return Float64Array.of(r * Math.cos(phi), r * Math.sin(phi), rng.range(-maxVelocity, maxVelocity), rng.range(-maxVelocity, maxVelocity));
    },
    timeSpan,
  }),
});
