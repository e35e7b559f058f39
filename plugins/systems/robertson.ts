/**
 * Robertson's chemical kinetics (Robertson 1966; Hairer & Wanner, Solving
 * ODEs II, §IV.1, the classic stiff test): three species, A → B (k₁ = 0.04),
 * B + B → C + B (k₂ = 3·10⁷), B + C → A + C (k₃ = 10⁴):
 *
 *   y₁' = −k₁ y₁ + k₃ y₂ y₃
 *   y₂' =  k₁ y₁ − k₃ y₂ y₃ − k₂ y₂²
 *   y₃' =  k₂ y₂²
 *
 * from (1, 0, 0); y₁ + y₂ + y₃ = 1 is conserved. Eigenvalues down to about
 * −10⁴ while the solution changes on scales up to 10¹¹: explicit methods
 * need steps below 10⁻³ throughout; use radau5 (or implicit-euler).
 */
import { definePlugin, s } from 'odelab/plugin';

export const ROBERTSON_RATES: { readonly k1: number; readonly k2: number; readonly k3: number } = { k1: 0.04, k2: 3e7, k3: 1e4 };

/** The Robertson vector field with rates k1, k2, k3. */
export function robertsonField(k1 = ROBERTSON_RATES.k1, k2 = ROBERTSON_RATES.k2, k3 = ROBERTSON_RATES.k3) {
  return (_t: number, y: Float64Array): Float64Array => {
    const [a, b, c] = [y[0]!, y[1]!, y[2]!];
    return Float64Array.of(-k1 * a + k3 * b * c, k1 * a - k3 * b * c - k2 * b * b, k2 * b * b);
  };
}

/** Its exact Jacobian ∂f/∂y (row-major), for the implicit methods' `jacobian` option. */
export function robertsonJacobian(k1 = ROBERTSON_RATES.k1, k2 = ROBERTSON_RATES.k2, k3 = ROBERTSON_RATES.k3) {
  return (_t: number, y: Float64Array): Float64Array => {
    const [b, c] = [y[1]!, y[2]!];
    return Float64Array.of(-k1, k3 * c, k3 * b, k1, -k3 * c - 2 * k2 * b, -k3 * b, 0, 2 * k2 * b, 0);
  };
}

export default definePlugin({
  kind: 'system',
  name: 'robertson',
  description: "Robertson's stiff chemical kinetics (3 species, k1 = 0.04, k2 = 3e7, k3 = 1e4), from (1, 0, 0)",
  options: s.object({
    k1: s.number({ gt: 0 }).default(ROBERTSON_RATES.k1).describe('rate of A -> B'),
    k2: s.number({ gt: 0 }).default(ROBERTSON_RATES.k2).describe('rate of B + B -> C + B'),
    k3: s.number({ gt: 0 }).default(ROBERTSON_RATES.k3).describe('rate of B + C -> A + C'),
    spread: s.number({ min: 0, max: 0.5 }).default(0).describe('sampled initial states: y1 = 1 - u, y3 = u with u uniform in [0, spread] (0: always (1, 0, 0))'),
    timeSpan: s.number({ gt: 0 }).default(40).describe('trajectory length (the classic plot runs to 40; the stiff benchmark to 1e11)'),
  }),
  create: (o) => ({
    stateDim: 3,
    timeSpan: o.timeSpan,
    derivative: robertsonField(o.k1, o.k2, o.k3),
    stiff: { jacobian: robertsonJacobian(o.k1, o.k2, o.k3) },
    sampleInitialState(rng) {
      const u = o.spread > 0 ? rng.range(0, o.spread) : 0;
      return Float64Array.of(1 - u, 0, u);
    },
    // Mass fractions of the three species; the time unit is the rates' (dimensionless here).
    labels: { state: ['y₁', 'y₂', 'y₃'], stateUnits: ['', '', ''], time: '' },
  }),
});
