/**
 * A damped chain of n equal masses m on a line, joined to a wall and to each
 * other by springs: all soft (kSoft) but one stiff spring (kStiff ≫ kSoft,
 * between masses `stiffAt` and `stiffAt + 1`), with viscous damping c on
 * every mass and a dashpot (stiffDamping) across the stiff spring. State (q₁..qₙ, v₁..vₙ), displacements from rest:
 *
 *   m qᵢ'' = −kᵢ (qᵢ − qᵢ₋₁) + kᵢ₊₁ (qᵢ₊₁ − qᵢ) − c qᵢ',  q₀ = 0 (the wall),
 *
 * spring i joining mass i − 1 (or the wall) to mass i. The stiff spring
 * and its dashpot give a fast, overdamped mode (eigenvalue ≈ −2·stiffDamping/m,
 * −2000 by default) that sets an explicit method's step, while the soft
 * modes (≈ 1 rad/s) set the interesting time scale: a stiff mechanical system. Damped, so not declared mechanical
 * (its energy decays).
 */
import { ConfigError, definePlugin, s } from 'odelab/plugin';

export interface SpringChain {
  n: number;
  m: number;
  /** Spring constants k₁..kₙ (k₁ to the wall). */
  k: Float64Array;
  c: number;
  /** Dashpot across the stiff spring (N s/m). */
  cStiff: number;
  stiffAt: number;
}

export function springChain(o: { n: number; m: number; kSoft: number; kStiff: number; stiffAt: number; damping: number; stiffDamping: number }): SpringChain {
  if (o.stiffAt >= o.n) throw new ConfigError('system.stiffAt', `system.stiffAt must be below n (${o.n}), got ${o.stiffAt}`);
  const k = new Float64Array(o.n).fill(o.kSoft);
  k[o.stiffAt] = o.kStiff; // spring stiffAt joins mass stiffAt - 1 (0-based) to mass stiffAt; 0 is the wall spring
  return { n: o.n, m: o.m, k, c: o.damping, cStiff: o.stiffDamping, stiffAt: o.stiffAt };
}

export function springChainField({ n, m, k, c, cStiff, stiffAt }: SpringChain) {
  return (_t: number, x: Float64Array): Float64Array => {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const q = x[i]!;
      const left = i === 0 ? 0 : x[i - 1]!;
      let force = -k[i]! * (q - left) - c * x[n + i]!;
      if (i + 1 < n) force += k[i + 1]! * (x[i + 1]! - q);
      // The dashpot across the stiff spring (between masses stiffAt - 1 and stiffAt, 0-based; the wall when 0).
      const vLeft = (j: number) => (j < 0 ? 0 : x[n + j]!);
      if (i === stiffAt) force -= cStiff * (x[n + i]! - vLeft(i - 1));
      if (i + 1 === stiffAt) force += cStiff * (x[n + i + 1]! - x[n + i]!);
      out[i] = x[n + i]!;
      out[n + i] = force / m;
    }
    return out;
  };
}

export default definePlugin({
  kind: 'system',
  name: 'stiff-spring-chain',
  description: 'damped chain of n masses, soft springs and one stiff spring (kStiff >> kSoft): a stiff mechanical system',
  options: s.object({
    n: s.integer({ min: 2, max: 200 }).default(5).describe('number of masses'),
    m: s.number({ gt: 0 }).default(1).describe('mass of each (kg)'),
    kSoft: s.number({ gt: 0 }).default(1).describe('soft spring constant (N/m)'),
    kStiff: s.number({ gt: 0 }).default(1e4).describe('the stiff spring constant (N/m)'),
    stiffAt: s.integer({ min: 0 }).default(2).describe('which spring is stiff: 0 joins the wall to mass 1, i joins mass i to mass i + 1'),
    damping: s.number({ min: 0 }).default(0.1).describe('viscous damping per mass (N s/m)'),
    stiffDamping: s.number({ min: 0 }).default(1000).describe('dashpot across the stiff spring (N s/m); the default overdamps its fast mode (eigenvalue ≈ -2000)'),
    maxDisplacement: s.number({ gt: 0 }).default(0.5).describe('initial displacements drawn uniformly from [-maxDisplacement, maxDisplacement] (m), the stiff spring\'s two ends alike'),
    timeSpan: s.number({ gt: 0 }).default(10).describe('trajectory length (s)'),
  }),
  create: (o) => {
    const chain = springChain(o);
    return {
      stateDim: 2 * o.n,
      timeSpan: o.timeSpan,
      derivative: springChainField(chain),
      // Linear: radau5's finite-difference Jacobian is exact to rounding; no hand-written one needed.
      stiff: {},
      sampleInitialState: (rng) => {
        const x = new Float64Array(2 * o.n);
        for (let i = 0; i < o.n; i++) x[i] = rng.range(-o.maxDisplacement, o.maxDisplacement);
        // The stiff spring starts at rest length (its ends displaced alike): its fast mode is barely
        // excited and the motion is smooth, the stiff regime implicit methods are for.
        if (o.stiffAt > 0) x[o.stiffAt] = x[o.stiffAt - 1]!;
        return x;
      },
      labels: {
        state: [...Array.from({ length: o.n }, (_, i) => `q${i + 1}`), ...Array.from({ length: o.n }, (_, i) => `v${i + 1}`)],
        stateUnits: [...new Array<string>(o.n).fill('m'), ...new Array<string>(o.n).fill('m/s')],
        time: 's',
      },
    };
  },
});
