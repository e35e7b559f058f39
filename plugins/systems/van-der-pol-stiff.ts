/**
 * The Van der Pol oscillator x'' − μ (1 − x²) x' + x = 0 as the first-order
 * system (x, v = x'), stiff for large μ (default 1000; Hairer & Wanner,
 * Solving ODEs II, §IV.1): slow branches of length ≈ (3 − 2 ln 2) μ
 * (period ≈ 1614 at μ = 1000) joined by jumps of duration O(1/μ); the
 * Jacobian's eigenvalue on the slow branches is ≈ −μ (x² − 1), so explicit
 * methods take steps of order 1/μ all the way. From (2, 0) by default.
 */
import { definePlugin, s } from 'odelab/plugin';

/** The vector field for parameter mu. */
export function vanDerPolField(mu: number) {
  return (_t: number, y: Float64Array): Float64Array => Float64Array.of(y[1]!, mu * (1 - y[0]! * y[0]!) * y[1]! - y[0]!);
}

/** Its exact Jacobian ∂f/∂y (row-major). */
export function vanDerPolJacobian(mu: number) {
  return (_t: number, y: Float64Array): Float64Array => Float64Array.of(0, 1, -2 * mu * y[0]! * y[1]! - 1, mu * (1 - y[0]! * y[0]!));
}

/** The period of the limit cycle for large μ, (3 − 2 ln 2) μ + 3 α μ^(−1/3) with α ≈ 2.338 (Dorodnitsyn). */
export function vanDerPolPeriod(mu: number): number {
  return (3 - 2 * Math.log(2)) * mu + 3 * 2.338107 * mu ** (-1 / 3);
}

export default definePlugin({
  kind: 'system',
  name: 'van-der-pol-stiff',
  description: 'Van der Pol oscillator x\'\' - mu (1 - x^2) x\' + x = 0, stiff for large mu (default 1000), state (x, v)',
  options: s.object({
    mu: s.number({ gt: 0 }).default(1000).describe('damping parameter μ (stiffness grows with it)'),
    y0: s.array(s.number(), { minLength: 2, maxLength: 2 }).default([2, 0]).describe('centre of the initial states (x, v)'),
    spread: s.number({ min: 0 }).default(0).describe('std of Gaussian noise on x0 per sampled trajectory (v0 stays as given)'),
    timeSpan: s.number({ gt: 0 }).optional().describe('trajectory length (default: two periods, ≈ 3228 at μ = 1000)'),
  }),
  create: (o) => ({
    stateDim: 2,
    timeSpan: o.timeSpan ?? 2 * vanDerPolPeriod(o.mu),
    derivative: vanDerPolField(o.mu),
    stiff: { jacobian: vanDerPolJacobian(o.mu) },
    sampleInitialState: (rng) => Float64Array.of(o.y0[0]! + (o.spread > 0 ? o.spread * rng.normal() : 0), o.y0[1]!),
    // A dimensionless oscillator.
    labels: { state: ['x', 'v'], stateUnits: ['', ''], time: '' },
  }),
});
