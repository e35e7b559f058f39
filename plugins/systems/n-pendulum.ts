/**
 * A chain of n point masses on massless rods (the n-link pendulum), angles q_i
 * from the downward vertical, state (q_1..q_n, q̇_1..q̇_n). With μ_i = Σ_{k≥i} m_k
 * the mass hanging from joint i, the Lagrangian L = ½ q̇ᵀM(q)q̇ + g Σ μ_i l_i cos q_i
 * has the mass matrix
 *   M_ij = μ_max(i,j) l_i l_j cos(q_i − q_j),
 * and the Euler–Lagrange equations are
 *   Σ_j M_ij q̈_j = −Σ_j μ_max(i,j) l_i l_j sin(q_i − q_j) q̇_j² − g μ_i l_i sin q_i,
 * solved per call by Gaussian elimination (M is symmetric positive definite).
 * n = 1 is the simple pendulum and n = 2 the double pendulum.
 */
import { ConfigError } from 'odelab';
import { definePlugin, s, solveInPlace } from 'odelab/plugin';

/** i as subscript digits: 12 → ₁₂. */
const subscript = (i: number) => String(i).replace(/[0-9]/g, (d) => String.fromCharCode(0x2080 + Number(d)));

const perLink = (what: string) =>
  s
    .union<number | number[]>(s.number({ gt: 0 }), s.array(s.number({ gt: 0 }), { minLength: 1 }))
    .default(1)
    .describe(`${what}: one value for every link, or an array of length n`);

/** One value per link; an array must have length n. */
function expand(value: number | number[], n: number, field: string): Float64Array {
  if (typeof value === 'number') return new Float64Array(n).fill(value);
  if (value.length !== n) {
    throw new ConfigError(`system.${field}`, `system.${field} must be a number or an array of n = ${n} numbers, got an array of length ${value.length}`);
  }
  return Float64Array.from(value);
}

export default definePlugin({
  kind: 'system',
  name: 'n-pendulum',
  description: 'chain of n point masses on rods, state (q1..qn, dq1..dqn), angles from the downward vertical',
  options: s.object({
    n: s.integer({ min: 1 }).default(3).describe('number of links'),
    masses: perLink('point masses (kg)'),
    lengths: perLink('rod lengths (m)'),
    g: s.number({ min: 0 }).default(9.8).describe('gravitational acceleration (m/s²)'),
    maxAngle: s.number({ gt: 0 }).default(Math.PI / 2).describe('initial angles drawn uniformly from [-maxAngle, maxAngle]'),
    maxVelocity: s.number({ min: 0 }).default(1).describe('initial angular velocities drawn uniformly from [-maxVelocity, maxVelocity]'),
    timeSpan: s.number({ gt: 0 }).default(10),
  }),
  create: (o) => {
    const n = o.n;
    const m = expand(o.masses, n, 'masses');
    const l = expand(o.lengths, n, 'lengths');
    const g = o.g;
    // μ_i = Σ_{k≥i} m_k.
    const mu = new Float64Array(n);
    for (let i = n - 1, acc = 0; i >= 0; i--) mu[i] = acc += m[i]!;
    const c = (i: number, j: number) => mu[Math.max(i, j)]! * l[i]! * l[j]!;
    // Plain arrays: V8 allocates them much faster than Float64Arrays of more than 8 elements.
    const massMatrix = (x: Float64Array) => {
      const M = new Array<number>(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = i; j < n; j++) M[i * n + j] = M[j * n + i] = c(i, j) * Math.cos(x[i]! - x[j]!);
      }
      return M;
    };
    return {
      stateDim: 2 * n,
      timeSpan: o.timeSpan,
      derivative(t, x) {
        const rhs: number[] = [];
        for (let i = 0; i < n; i++) {
          let f = -g * mu[i]! * l[i]! * Math.sin(x[i]!);
          for (let j = 0; j < n; j++) if (j !== i) f -= c(i, j) * Math.sin(x[i]! - x[j]!) * x[n + j]! ** 2;
          rhs.push(f);
        }
        const qdd = solveInPlace(massMatrix(x), rhs, () => `the n-pendulum mass matrix at t = ${t}`);
        const out = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) {
          out[i] = x[n + i]!;
          out[n + i] = qdd[i]!;
        }
        return out;
      },
      sampleInitialState(rng) {
        const x = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) x[i] = rng.range(-o.maxAngle, o.maxAngle);
        for (let i = 0; i < n; i++) x[n + i] = rng.range(-o.maxVelocity, o.maxVelocity);
        return x;
      },
      mechanical: {
        coordinates: n,
        angles: Array.from({ length: n }, () => true),
        kinetic(x) {
          const M = massMatrix(x);
          let T = 0;
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) T += M[i * n + j]! * x[n + i]! * x[n + j]!;
          return 0.5 * T;
        },
        potential(x) {
          let V = 0;
          for (let i = 0; i < n; i++) V -= g * mu[i]! * l[i]! * Math.cos(x[i]!);
          return V;
        },
      },
      // SI parameters (kg, m, m/s²): energies in J.
      labels: {
        state: [...Array.from({ length: n }, (_, i) => `θ${subscript(i + 1)}`), ...Array.from({ length: n }, (_, i) => `ω${subscript(i + 1)}`)],
        stateUnits: [...Array.from({ length: n }, () => 'rad'), ...Array.from({ length: n }, () => 'rad/s')],
        time: 's',
        energy: 'J',
      },
    };
  },
});
