/**
 * Host kernels (cpu and wasm) of the Lagrangian network's Hessian blocks and
 * of eq. 8's per-sample solve, with their gradients (see lnn-kernels.ts for
 * the layouts and lagrangian-accel.ts for the algorithm): the Gram products
 * G[b, i, e] = Σ_ℓ Σ_k P_ℓ[b, i, k] c_ℓ[b, k] P_ℓ[b, e, k], and
 * q̈ = (M² + λI)⁻¹ M r with M = ∇q̇∇q̇ᵀL, r = ∇qL − (∇q̇∇qᵀL) q̇.
 */
import { registerHostKernel } from '../tensor/fused-combine.ts';
import { symmetricEigen } from './linalg-small.ts';
import { K, positional } from './lnn-kernels.ts';

// ---- Gram blocks: G[b, i, e] = Σ_ℓ Σ_k P_ℓ[b, i, k] c_ℓ[b, k] P_ℓ[b, e, k] ----

interface GramAttrs {
  n: number;
  layers: number;
}

/** Gram blocks for n = 2 (E = 3), unrolled: the double pendulum's hot loop. */
function gram2(values: readonly Float32Array[], g: Float32Array, ops: readonly { shape: number[] }[], layers: number): void {
  const batch = ops[0]!.shape[0]!;
  for (let b = 0; b < batch; b++) {
    let g00 = 0, g01 = 0, g02 = 0, g11 = 0, g12 = 0;
    for (let l = 0; l < layers; l++) {
      const p = values[l]!;
      const c = values[layers + l]!;
      const h = ops[l]!.shape[2]!;
      const pb = b * 3 * h;
      const cb = b * h;
      for (let k = 0; k < h; k++) {
        const p0 = p[pb + k]!, p1 = p[pb + h + k]!, p2 = p[pb + 2 * h + k]!;
        const cp0 = c[cb + k]! * p0, cp1 = c[cb + k]! * p1;
        g00 += cp0 * p0;
        g01 += cp0 * p1;
        g02 += cp0 * p2;
        g11 += cp1 * p1;
        g12 += cp1 * p2;
      }
    }
    const o = b * 6;
    g[o] = g00; g[o + 1] = g01; g[o + 2] = g02;
    g[o + 3] = g01; g[o + 4] = g11; g[o + 5] = g12;
  }
}

/** The Gram gradient for n = 2, unrolled (see the general kernel for the formulas). */
function gramGrad2(values: readonly Float32Array[], outs: readonly Float32Array[], ops: readonly { shape: number[] }[], layers: number): void {
  const dg = values[0]!;
  const batch = ops[1]!.shape[0]!;
  for (let l = 0; l < layers; l++) {
    const p = values[1 + l]!;
    const c = values[1 + layers + l]!;
    const dp = outs[l]!;
    const dc = outs[layers + l]!;
    const h = ops[1 + l]!.shape[2]!;
    for (let b = 0; b < batch; b++) {
      const o = b * 6;
      const a00 = 2 * dg[o]!, a01 = dg[o + 1]! + dg[o + 3]!, a02 = dg[o + 2]!, a11 = 2 * dg[o + 4]!, a12 = dg[o + 5]!;
      const pb = b * 3 * h;
      const cb = b * h;
      for (let k = 0; k < h; k++) {
        const p0 = p[pb + k]!, p1 = p[pb + h + k]!, p2 = p[pb + 2 * h + k]!;
        const r0 = a00 * p0 + a01 * p1 + a02 * p2;
        const r1 = a01 * p0 + a11 * p1 + a12 * p2;
        const r2 = a02 * p0 + a12 * p1;
        const ck = c[cb + k]!;
        dp[pb + k] = ck * r0;
        dp[pb + h + k] = ck * r1;
        dp[pb + 2 * h + k] = ck * r2;
        dc[cb + k] = 0.5 * (p0 * r0 + p1 * r1 + p2 * r2);
      }
    }
  }
}

// ---- eq. 8: q̈ = M⁻¹ r with M = ∇q̇∇q̇ᵀL, r = ∇qL − (∇q̇∇qᵀL) q̇, damped where M is near-singular ----

/** Running totals of the solves, read by the model for its metrics. */
export interface SolveCounter {
  samples: number;
  /** Samples where the damping changed the solution (an eigenvalue of M below 10·√λ). */
  damped: number;
}

const counters = new Map<number, SolveCounter>();
let nextCounter = 1;

/** A fresh counter id for attrs.counter. */
export function newSolveCounter(): { id: number; counter: SolveCounter } {
  const counter = { samples: 0, damped: 0 };
  const id = nextCounter++;
  counters.set(id, counter);
  return { id, counter };
}

export function releaseSolveCounter(id: number): void {
  counters.delete(id);
}

interface SolveAttrs {
  n: number;
  /** ε: eigen-directions of M with |μ| ≲ ε‖M‖_F are damped (Tikhonov, λ = (ε‖M‖_F)² + floor²). */
  damping: number;
  /** An absolute floor under the damping (units of M), so that M → 0 gives bounded q̈ rather than Inf. */
  floor: number;
  counter: number;
}

/** Per sample: M's eigen-decomposition (float64) and the damping λ. */
function decompose(g: Float32Array, b: number, n: number, damping: number, floor: number) {
  const E = n + 1;
  const m = new Float64Array(n * n);
  let fro = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      // Symmetrise: G's blocks are symmetric up to rounding.
      const v = 0.5 * (g[(b * n + i) * E + j]! + g[(b * n + j) * E + i]!);
      m[i * n + j] = v;
      fro += v * v;
    }
  }
  const lambda = damping * damping * fro + floor * floor;
  return { m, lambda, ...symmetricEigen(m, n) };
}

/** y = f(M) v for the spectral function f given by its eigenvalue map. */
function applySpectral(vectors: Float64Array, values: Float64Array, n: number, f: (mu: number) => number, v: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let proj = 0;
    for (let i = 0; i < n; i++) proj += vectors[i * n + k]! * v[i]!;
    proj *= f(values[k]!);
    for (let i = 0; i < n; i++) out[i] += vectors[i * n + k]! * proj;
  }
  return out;
}

function rhs(g: Float32Array, grad: Float32Array, b: number, n: number): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = grad[b * 2 * n + i]! - g[(b * n + i) * (n + 1) + n]!;
  return r;
}

let lnnSolveRegistered = false;
/** Register the Gram and damped-solve kernels on cpu and wasm (idempotent; lagrangianAcceleration calls it). */
export function registerLnnSolveKernels(): void {
  if (lnnSolveRegistered) return;
  lnnSolveRegistered = true;
  // [P_1..P_D, c_1..c_D] → G [B, n, E]
  registerHostKernel<GramAttrs>(K.gram, {
    operands: positional,
    outputShapes: (ops, { n }) => [[ops[0]!.shape[0]!, n, n + 1]],
    compute(values, [g], ops, { n, layers }) {
      if (n === 2) return gram2(values, g!, ops, layers);
      const batch = ops[0]!.shape[0]!;
      const E = n + 1;
      const acc = new Float64Array(n * E);
      for (let b = 0; b < batch; b++) {
        acc.fill(0);
        for (let l = 0; l < layers; l++) {
          const p = values[l]!;
          const c = values[layers + l]!;
          const h = ops[l]!.shape[2]!;
          const pb = b * E * h;
          const cb = b * h;
          for (let i = 0; i < n; i++) {
            const pi = pb + i * h;
            for (let e = i; e < E; e++) {
              const pe = pb + e * h;
              let sum = 0;
              for (let k = 0; k < h; k++) sum += p[pi + k]! * c[cb + k]! * p[pe + k]!;
              acc[i * E + e] += sum;
            }
          }
        }
        // Only e ≥ i was summed: the n × n block is symmetric.
        for (let i = 0; i < n; i++) {
          for (let e = 0; e < E; e++) g![(b * n + i) * E + e] = e >= i ? acc[i * E + e]! : acc[e * E + i]!;
        }
      }
    },
  });

  // [dG, P_1..P_D, c_1..c_D] → [dP_1..dP_D, dc_1..dc_D]
  registerHostKernel<GramAttrs>(K.gramGrad, {
    operands: positional,
    outputShapes: (ops, { layers }) => [...ops.slice(1, 1 + layers).map((t) => t.shape), ...ops.slice(1 + layers).map((t) => t.shape)],
    compute(values, outs, ops, { n, layers }) {
      if (n === 2) return gramGrad2(values, outs, ops, layers);
      const dg = values[0]!;
      const batch = ops[1]!.shape[0]!;
      const E = n + 1;
      // Per sample, G[i, e] = p_iᵀ diag(c) p_e. With A the E × E symmetric matrix
      // holding dG[i, e] at (i, e) and (e, i): dP[e, k] = c_k (A p_k)_e and
      // dc_k = ½ p_kᵀ A p_k, where p_k = (P[e, k])_e.
      const A = new Float64Array(E * E);
      const pk = new Float64Array(E);
      for (let l = 0; l < layers; l++) {
        const p = values[1 + l]!;
        const c = values[1 + layers + l]!;
        const dp = outs[l]!;
        const dc = outs[layers + l]!;
        const h = ops[1 + l]!.shape[2]!;
        for (let b = 0; b < batch; b++) {
          A.fill(0);
          for (let i = 0; i < n; i++) {
            for (let e = 0; e < E; e++) {
              const w = dg[(b * n + i) * E + e]!;
              A[i * E + e] += w;
              A[e * E + i] += w;
            }
          }
          const pb = b * E * h;
          for (let k = 0; k < h; k++) {
            for (let e = 0; e < E; e++) pk[e] = p[pb + e * h + k]!;
            const ck = c[b * h + k]!;
            let quad = 0;
            for (let e = 0; e < E; e++) {
              let row = 0;
              for (let f = 0; f < E; f++) row += A[e * E + f]! * pk[f]!;
              dp[pb + e * h + k] = ck * row;
              quad += pk[e]! * row;
            }
            dc[b * h + k] = 0.5 * quad;
          }
        }
      }
    },
    multiOutput: true,
  });

  // [G [B, n, E], ∇L [B, 2n]] → q̈ [B, n]
  registerHostKernel<SolveAttrs>(K.solve, {
    operands: positional,
    outputShapes: (ops, { n }) => [[ops[0]!.shape[0]!, n]],
    compute([g, grad], [acc], ops, { n, damping, floor, counter }) {
      const batch = ops[0]!.shape[0]!;
      const count = counters.get(counter);
      let damped = 0;
      for (let b = 0; b < batch; b++) {
        const { lambda, values, vectors } = decompose(g!, b, n, damping, floor);
        const x = applySpectral(vectors, values, n, (mu) => (mu === 0 && lambda === 0 ? 0 : mu / (mu * mu + lambda)), rhs(g!, grad!, b, n));
        let minAbs = Infinity;
        for (const mu of values) minAbs = Math.min(minAbs, Math.abs(mu));
        if (minAbs * minAbs < 100 * lambda || lambda === 0) damped++;
        for (let i = 0; i < n; i++) acc![b * n + i] = x[i]!;
      }
      if (count) {
        count.samples += batch;
        count.damped += damped;
      }
    },
  });

  // [dq̈, G, ∇L] → [dG, d∇L]
  // With K = M² + λI (λ held fixed) and q̈ = K⁻¹ M r: y = K⁻¹ dq̈, dr = M y,
  // dM = y rᵀ − y (M q̈)ᵀ − (M y) q̈ᵀ.
  registerHostKernel<SolveAttrs>(K.solveGrad, {
    operands: positional,
    outputShapes: (ops) => [ops[1]!.shape, ops[2]!.shape],
    compute([dacc, g, grad], [dg, dgrad], ops, { n, damping, floor }) {
      const batch = ops[1]!.shape[0]!;
      const E = n + 1;
      dg!.fill(0);
      dgrad!.fill(0);
      for (let b = 0; b < batch; b++) {
        const { m, lambda, values, vectors } = decompose(g!, b, n, damping, floor);
        const r = rhs(g!, grad!, b, n);
        const x = applySpectral(vectors, values, n, (mu) => (mu === 0 && lambda === 0 ? 0 : mu / (mu * mu + lambda)), r);
        const dx = new Float64Array(n);
        for (let i = 0; i < n; i++) dx[i] = dacc![b * n + i]!;
        const y = applySpectral(vectors, values, n, (mu) => (mu === 0 && lambda === 0 ? 0 : 1 / (mu * mu + lambda)), dx);
        const my = new Float64Array(n);
        const mx = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            my[i] += m[i * n + j]! * y[j]!;
            mx[i] += m[i * n + j]! * x[j]!;
          }
        }
        // dr = M y flows to ∇qL (+) and to the last Gram column (−).
        for (let i = 0; i < n; i++) {
          dgrad![b * 2 * n + i] = my[i]!;
          dg![(b * n + i) * E + n] = -my[i]!;
        }
        // dM, split symmetrically over the two mirrored Gram entries that M averaged.
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const dm = y[i]! * r[j]! - y[i]! * mx[j]! - my[i]! * x[j]!;
            dg![(b * n + i) * E + j] += 0.5 * dm;
            dg![(b * n + j) * E + i] += 0.5 * dm;
          }
        }
      }
    },
    multiOutput: true,
  });
}
