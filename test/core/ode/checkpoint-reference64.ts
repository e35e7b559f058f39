/**
 * A float64 reference for the replayed gradients (checkpoint, symplectic
 * adjoint): a small time-dependent field with its vector-Jacobian product
 * (what the tape uses) and its Jacobian-vector product (forward mode, run
 * through the same integrator on (x, ẋ) pairs whose error norm sees x only,
 * so the steps are the same): ⟨gradient, direction⟩ must equal the
 * forward-mode derivative to rounding.
 *
 * f_i(t, x) = Σ_j W_ij tanh(x_j) + c_i t x_i on each of ROWS rows of DIM.
 */
import type { Registry } from 'odelab/node';
import type { GradField } from '../../../core/ode/checkpoint-tape.ts';
import { float64Ops } from '../../../core/ode/float64-ops.ts';
import type { Integrator, StateOps } from '../../../core/ode/types.ts';

const DIM = 3;
const ROWS = 2;
const N = DIM * ROWS;
const W0 = [0.8, -1.1, 0.4, 0.9, 0.3, -0.7, -0.5, 1.2, 0.2];
const C0 = [0.3, -0.4, 0.25];

/** Every registered explicit Runge-Kutta method (not separable-only, not implicit). */
export function explicitMethods(registry: Registry): string[] {
  return registry.names('integrator').filter((n) => {
    const p = registry.get('integrator', n);
    return !p.requiresSeparable && !p.float64Only && !(p.create(p.options.parse({}, 'integrator') as never) as Integrator).implicit;
  });
}

/** The integrator `name`: adaptive ones at float64 tolerances, fixed ones with step 0.1. */
export function integratorOf(registry: Registry, name: string, step = 0.1): Integrator {
  const p = registry.get('integrator', name);
  return p.create(p.options.parse(p.adaptive ? { rtol: 1e-8, atol: 1e-10 } : { step }, 'integrator') as never) as Integrator;
}

function value(w: ArrayLike<number>, c: ArrayLike<number>, t: number, x: Float64Array, out: Float64Array, at = 0): void {
  for (let r = 0; r < ROWS; r++) {
    for (let i = 0; i < DIM; i++) {
      let s = c[i]! * t * x[r * DIM + i]!;
      for (let j = 0; j < DIM; j++) s += w[i * DIM + j]! * Math.tanh(x[r * DIM + j]!);
      out[at + r * DIM + i] = s;
    }
  }
}

export interface TestField {
  grad: GradField<Float64Array>;
  y0: Float64Array;
  /** The parameters' gradient (W then c), summed by grad.vjp. */
  dTheta: Float64Array;
}

export function testField(): TestField {
  const dTheta = new Float64Array(W0.length + C0.length);
  const grad: GradField<Float64Array> = {
    value(t, x) {
      const y = new Float64Array(x.length);
      value(W0, C0, t, x, y);
      return { y, saved: null };
    },
    vjp(t, x, _saved, g) {
      const dx = new Float64Array(x.length);
      for (let r = 0; r < ROWS; r++) {
        for (let i = 0; i < DIM; i++) {
          const gi = g[r * DIM + i]!;
          dx[r * DIM + i]! += gi * C0[i]! * t;
          dTheta[W0.length + i]! += gi * t * x[r * DIM + i]!;
          for (let j = 0; j < DIM; j++) {
            const th = Math.tanh(x[r * DIM + j]!);
            dx[r * DIM + j]! += gi * W0[i * DIM + j]! * (1 - th * th);
            dTheta[i * DIM + j]! += gi * th;
          }
        }
      }
      return dx;
    },
    discard: () => {},
  };
  const y0 = Float64Array.from({ length: N }, (_, i) => 0.6 * Math.sin(1.3 * i + 0.4));
  return { grad, y0, dTheta };
}

/** Loss weights per output: the loss Σ_i w_i · y(t_i). */
export function lossWeights(outputs: number, n: number): Float64Array[] {
  return Array.from({ length: outputs }, (_, i) => Float64Array.from({ length: n }, (_, k) => Math.cos(0.7 * (i * n + k) + 0.2)));
}

export interface Direction {
  dy0: Float64Array;
  dTheta: Float64Array;
}

export function tangentDirection(k: number, f: TestField): Direction {
  return {
    dy0: Float64Array.from(f.y0, (_, i) => Math.sin(2.1 * i + k)),
    dTheta: Float64Array.from(f.dTheta, (_, i) => Math.cos(1.7 * i + 3 * k)),
  };
}

/** d/dε of Σ_i w_i · y(t_i) along `dir`, by forward mode through `integ` (the same steps). */
export function forwardModeDerivative(integ: Integrator, dir: Direction, w: readonly Float64Array[], times: readonly number[] = [0, 0.4, 1.1, 1.6]): number {
  const f0 = testField();
  const dW = dir.dTheta.subarray(0, W0.length);
  const dC = dir.dTheta.subarray(W0.length);
  const half = (z: Float64Array) => z.subarray(0, N);
  const ops: StateOps<Float64Array> = {
    precision: 'float64',
    combine: float64Ops.combine,
    scaledSquares: (xs, refs, tol) => float64Ops.scaledSquares(xs.map(half), refs.map(half), tol),
    errorSquares: (h, ws, ks, refs, tol) => float64Ops.errorSquares(h, ws, ks.map(half), refs.map(half), tol),
  };
  const field = (t: number, z: Float64Array): Float64Array => {
    const out = new Float64Array(2 * N);
    const x = z.subarray(0, N);
    const dx = z.subarray(N);
    value(W0, C0, t, x, out);
    for (let r = 0; r < ROWS; r++) {
      for (let i = 0; i < DIM; i++) {
        let s = dC[i]! * t * x[r * DIM + i]! + C0[i]! * t * dx[r * DIM + i]!;
        for (let j = 0; j < DIM; j++) {
          const th = Math.tanh(x[r * DIM + j]!);
          s += dW[i * DIM + j]! * th + W0[i * DIM + j]! * (1 - th * th) * dx[r * DIM + j]!;
        }
        out[N + r * DIM + i] = s;
      }
    }
    return out;
  };
  const z0 = new Float64Array(2 * N);
  z0.set(f0.y0);
  z0.set(dir.dy0, N);
  const { ys } = integ.solve(field, z0, times, ops);
  return ys.reduce((acc, z, i) => acc + z.subarray(N).reduce((a, v, k) => a + v * w[i]![k]!, 0), 0);
}
