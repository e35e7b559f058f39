/**
 * A particle in an anisotropic harmonic well seen from a frame rotating at
 * angular velocity Ω about z (a Foucault-like or rotating-saddle system),
 * given by its Lagrangian alone (odelab derives the motion):
 *   L = ½ m [(ẋ − Ω y)² + (ẏ + Ω x)²] − ½ (kx x² + ky y²)
 *     = ½ m |v|² + m Ω (x ẏ − y ẋ) + ½ m Ω² (x² + y²) − ½ (kx x² + ky y²).
 * The term linear in q̇ gives the Coriolis force, the quadratic one in q the
 * centrifugal force: m ẍ = 2 m Ω ẏ + m Ω² x − kx x,
 * m ÿ = −2 m Ω ẋ + m Ω² y − ky y. The conserved energy is the Jacobi
 * integral E = ½ m |v|² − ½ m Ω² (x² + y²) + ½ (kx x² + ky y²), whose
 * potential part is V = −L(q, 0) (the effective potential, centrifugal
 * term included).
 */
import { definePlugin, s, type LagrangianSpec } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'rotating-frame',
  description: 'particle in an anisotropic harmonic well seen from a rotating frame, state (x, y, dx/dt, dy/dt), from its Lagrangian alone (Coriolis and centrifugal forces)',
  options: s.object({
    m: s.number({ gt: 0 }).default(1).describe('mass (kg)'),
    omega: s.number().default(1).describe('angular velocity Ω of the frame about z (rad/s)'),
    kx: s.number({ min: 0 }).default(2).describe('stiffness of the well along x (N/m)'),
    ky: s.number({ min: 0 }).default(3).describe('stiffness of the well along y (N/m)'),
    radius: s.number({ gt: 0 }).default(1).describe('initial positions uniform in the disk of this radius (m)'),
    maxVelocity: s.number({ min: 0 }).default(1).describe('initial velocities uniform in [−maxVelocity, maxVelocity] per component (m/s)'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: ({ m, omega, kx, ky, radius, maxVelocity, timeSpan }): LagrangianSpec => ({
    coordinates: 2,
    angles: [false, false],
    labels: { state: ['x', 'y', 'x\u0307', 'y\u0307'], stateUnits: ['m', 'm', 'm/s', 'm/s'], time: 's', energy: 'J' },
    lagrangian: ([x, y], [xd, yd]) =>
      xd!.sub(y!.mul(omega)).sq().add(yd!.add(x!.mul(omega)).sq()).mul(0.5 * m)
        .sub(x!.sq().mul(0.5 * kx))
        .sub(y!.sq().mul(0.5 * ky)),
    sampleInitialState: (rng) => {
      const r = radius * Math.sqrt(rng.range(0, 1));
      const phi = rng.range(0, 2 * Math.PI);
      return Float64Array.of(r * Math.cos(phi), r * Math.sin(phi), rng.range(-maxVelocity, maxVelocity), rng.range(-maxVelocity, maxVelocity));
    },
    timeSpan,
  }),
});
