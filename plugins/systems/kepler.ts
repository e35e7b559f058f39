/**
 * The Kepler problem: a body in the central gravitational field of a fixed
 * mass, in the plane, state (x, y, vx, vy), acceleration -GM r/|r|³.
 * Energy ½|v|² - GM/|r| and angular momentum are conserved.
 */
import { definePlugin, s } from 'odelab/plugin';

export default definePlugin({
  kind: 'system',
  name: 'kepler',
  description: 'two-body central force in the plane, state (x, y, vx, vy), a = -GM r/|r|^3',
  options: s.object({
    gm: s.number({ gt: 0 }).default(1).describe('gravitational parameter GM'),
    eccentricity: s
      .array(s.number({ min: 0, lt: 1 }), { minLength: 2, maxLength: 2 })
      .default([0, 0.6])
      .describe('range of the orbits\' eccentricity; initial states start at pericentre, semi-major axis 1, random orientation'),
    timeSpan: s.number({ gt: 0 }).default(4 * Math.PI).describe('two periods of a unit orbit with GM = 1'),
  }),
  create: ({ gm, eccentricity, timeSpan }) => ({
    stateDim: 4,
    timeSpan,
    derivative(_t, [x, y, vx, vy]) {
      const r2 = x! * x! + y! * y!;
      const k = -gm / (r2 * Math.sqrt(r2));
      return Float64Array.of(vx!, vy!, k * x!, k * y!);
    },
    sampleInitialState(rng) {
      const [lo, hi] = eccentricity as [number, number];
      const e = rng.range(lo, hi);
      const rp = 1 - e;
      const vp = Math.sqrt((gm * (1 + e)) / rp);
      const phi = rng.range(0, 2 * Math.PI);
      return Float64Array.of(rp * Math.cos(phi), rp * Math.sin(phi), -vp * Math.sin(phi), vp * Math.cos(phi));
    },
    mechanical: {
      coordinates: 2,
      angles: [false, false],
      kinetic: ([, , vx, vy]) => 0.5 * (vx! * vx! + vy! * vy!),
      potential: ([x, y]) => -gm / Math.hypot(x!, y!),
      // V = −GM/r is unbounded: max|V| over the energy metric's rollouts (which start nearly at rest and
      // fall close to the centre) measures the closest approach (1821.8 with the defaults), not the orbits.
      // The orbits' conserved energies are the scale instead: max|E| over the true rollouts (GM/(2a)
      // for a bound orbit of semi-major axis a; GM/r for a start at rest at radius r).
      energyScale: {
        value: (states, energy) => states.reduce((e, x) => Math.max(e, Math.abs(energy(x))), 0),
        description: 'max|E| over the true rollouts',
      },
    },
    // Natural units (semi-major axis 1, GM = gm): no physical units; the energies are per unit mass.
    labels: { state: ['x', 'y', 'x\u0307', 'y\u0307'], stateUnits: ['', '', '', ''], time: '', energy: '' },
  }),
});
