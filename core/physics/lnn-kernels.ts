/**
 * Host kernels (cpu and wasm) of the Lagrangian network's accelerations: the
 * element-wise and batched-small-matrix parts of eq. 8 and of its
 * vector-Jacobian product, each one pass over host memory. The large matrix
 * products stay tfjs matMuls (XNNPACK on wasm); see lagrangian-accel.ts for
 * the algorithm and the layouts.
 *
 * Layouts (row-major): per-layer vectors z, a, φ', φ'', ḡ, δ, c are [B, h];
 * the forward-mode directions P and S are [B, E, h] with E = n + 1 (the n
 * velocity unit vectors, then the direction (q̇, 0)); the Gram blocks G are
 * [B, n, E]: G[b, i, j<n] = ∂²L/∂q̇ᵢ∂q̇ⱼ and G[b, i, n] = Σⱼ ∂²L/∂q̇ᵢ∂qⱼ q̇ⱼ.
 */
import { registerHostKernel } from '../tensor/fused-combine.ts';
import { tf } from '../tensor/tf.ts';
import { symmetricEigen } from './linalg-small.ts';

export const LNN_ACTIVATIONS = ['softplus', 'tanh'] as const;
export type LnnActivation = (typeof LNN_ACTIVATIONS)[number];

export const K = {
  act: 'OdelabLnnAct',
  actGrad: 'OdelabLnnActGrad',
  chain: 'OdelabLnnChain',
  chainGrad: 'OdelabLnnChainGrad',
  directions: 'OdelabLnnDirections',
  scale: 'OdelabLnnScale',
  scaleGrad: 'OdelabLnnScaleGrad',
  gram: 'OdelabLnnGram',
  gramGrad: 'OdelabLnnGramGrad',
  solve: 'OdelabLnnSolve',
  solveGrad: 'OdelabLnnSolveGrad',
  transposeRows: 'OdelabTransposeRows',
  wrap: 'OdelabLnnWrap',
  firstLayerGrad: 'OdelabLnnFirstLayerGrad',
} as const;

const positional = (inputs: Record<string, unknown>) => Object.keys(inputs).map((k) => inputs[k]) as never[];

// ---- activations: φ, φ', φ'' forward; φ', φ'', φ''' for the backward pass ----

interface ActAttrs {
  activation: LnnActivation;
}

/**
 * φ'(z), φ''(z) (and φ(z) when `value`) from z and σ = sigmoid(z) for
 * softplus or sigmoid(2z) for tanh (= (1 + tanh z)/2): the sigmoid is
 * tfjs's own vectorised kernel, much faster than exp or log in a JS loop,
 * and every derivative is a polynomial in it.
 */
function derivativesInto(act: LnnActivation, z: Float32Array, sig: Float32Array, d1: Float32Array, d2: Float32Array, a: Float32Array | null): void {
  const len = z.length;
  if (act === 'softplus') {
    for (let i = 0; i < len; i++) {
      const s = sig[i]!;
      d1[i] = s;
      d2[i] = s * (1 - s);
      // softplus(z) = z - log σ(z) = -log(1 - σ(z)); each form where it is accurate.
      if (a) a[i] = z[i]! >= 0 ? z[i]! - Math.log(s) : -Math.log(1 - s);
    }
    return;
  }
  for (let i = 0; i < len; i++) {
    const t = 2 * sig[i]! - 1;
    const g = 1 - t * t;
    d1[i] = g;
    d2[i] = -2 * t * g;
    if (a) a[i] = t;
  }
}

interface ActKernelAttrs extends ActAttrs {
  /** Also output φ(z) (not needed after the last hidden layer). */
  value: boolean;
}

// [z, σ] → [φ'(z), φ''(z)] (+ [φ(z)] with attrs.value)
registerHostKernel<ActKernelAttrs>(K.act, {
  operands: positional,
  outputShapes: (ops, { value }) => (value ? [ops[0]!.shape, ops[0]!.shape, ops[0]!.shape] : [ops[0]!.shape, ops[0]!.shape]),
  compute([z, sig], [d1, d2, a], _ops, { activation, value }) {
    derivativesInto(activation, z!, sig!, d1!, d2!, value ? a! : null);
  },
  multiOutput: true,
});

// [σ, dφ', dφ'', dφ (optional)] → dz = dφ'·φ'' + dφ''·φ''' + dφ·φ'
registerHostKernel<ActAttrs>(K.actGrad, {
  operands: positional,
  outputShapes: (ops) => [ops[0]!.shape],
  compute([sig, ds, dt, da], [dz], _ops, { activation }) {
    const len = sig!.length;
    for (let i = 0; i < len; i++) {
      let d1: number, d2: number, d3: number;
      if (activation === 'softplus') {
        const s = sig![i]!;
        d1 = s;
        d2 = s * (1 - s);
        d3 = d2 * (1 - 2 * s);
      } else {
        const t = 2 * sig![i]! - 1;
        d1 = 1 - t * t;
        d2 = -2 * t * d1;
        d3 = d1 * (6 * t * t - 2);
      }
      dz![i] = ds![i]! * d2 + dt![i]! * d3 + (da ? da[i]! * d1 : 0);
    }
  },
});

/** The sigmoid the activation kernels take: σ(z) for softplus, σ(2z) for tanh. */
export function activationSigmoid(z: tf.Tensor, act: LnnActivation): tf.Tensor {
  return act === 'softplus' ? tf.sigmoid(z) : tf.sigmoid(tf.mul(z, 2));
}

// ---- the reverse chain: δ = ḡ ⊙ φ', c = ḡ ⊙ φ'' (ḡ may be one row, broadcast) ----

registerHostKernel<object>(K.chain, {
  operands: positional,
  outputShapes: (ops) => [ops[1]!.shape, ops[1]!.shape],
  compute([g, s, t], [delta, c]) {
    const h = g!.length === s!.length ? s!.length : g!.length;
    for (let i = 0; i < s!.length; i++) {
      const gi = g![i % h]!;
      delta![i] = gi * s![i]!;
      c![i] = gi * t![i]!;
    }
  },
  multiOutput: true,
});

// [dδ, dc, φ', φ'', ḡ] → [dḡ = dδ⊙φ' + dc⊙φ'', dφ' = dδ⊙ḡ, dφ'' = dc⊙ḡ]
registerHostKernel<object>(K.chainGrad, {
  operands: positional,
  outputShapes: (ops) => [ops[0]!.shape, ops[0]!.shape, ops[0]!.shape],
  compute([dd, dc, s, t, g], [dg, ds, dt]) {
    const h = g!.length === s!.length ? s!.length : g!.length;
    for (let i = 0; i < s!.length; i++) {
      const gi = g![i % h]!;
      dg![i] = dd![i]! * s![i]! + dc![i]! * t![i]!;
      ds![i] = dd![i]! * gi;
      dt![i] = dc![i]! * gi;
    }
  },
  multiOutput: true,
});

// ---- first-layer directions: P1[b, i] = W1[n + i], P1[b, n] = Σⱼ q̇ⱼ W1[j] ----

interface DirAttrs {
  n: number;
}

// [W1 [2n, h], x [B, 2n]] → P1 [B, n + 1, h]
registerHostKernel<DirAttrs>(K.directions, {
  operands: positional,
  outputShapes: (ops, { n }) => [[ops[1]!.shape[0]!, n + 1, ops[0]!.shape[1]!]],
  compute([w, x], [p], ops, { n }) {
    const h = ops[0]!.shape[1]!;
    const batch = ops[1]!.shape[0]!;
    const E = n + 1;
    for (let b = 0; b < batch; b++) {
      const base = b * E * h;
      for (let i = 0; i < n; i++) p!.set(w!.subarray((n + i) * h, (n + i + 1) * h), base + i * h);
      const v = base + n * h;
      for (let k = 0; k < h; k++) p![v + k] = 0;
      for (let j = 0; j < n; j++) {
        const qd = x![b * 2 * n + n + j]!;
        const row = j * h;
        for (let k = 0; k < h; k++) p![v + k] += qd * w![row + k]!;
      }
    }
  },
});

// ---- the first layer's gradients in one pass ----

// [dP1 [B, E, h], W1 [2n, h], x [B, 2n], dz1 [B, h], d∇L [B, 2n], δ1 [B, h]] →
// [dW1 = xᵀ dz1 + d∇Lᵀ δ1 + (directions), dx = dz1 W1ᵀ + (velocity direction)]
registerHostKernel<DirAttrs>(K.firstLayerGrad, {
  operands: positional,
  outputShapes: (ops) => [ops[1]!.shape, ops[2]!.shape],
  compute([dp, w, x, dz, dgrad, delta], [dw, dx], ops, { n }) {
    const h = ops[1]!.shape[1]!;
    const d = 2 * n;
    const batch = ops[2]!.shape[0]!;
    const E = n + 1;
    dw!.fill(0);
    for (let b = 0; b < batch; b++) {
      const xb = b * d;
      const hb = b * h;
      const pb = b * E * h;
      const v = pb + n * h;
      for (let i = 0; i < d; i++) {
        const row = i * h;
        const xi = x![xb + i]!;
        const gi = dgrad![xb + i]!;
        // Rows n + j get the velocity unit directions' cotangents; rows j < n the direction (q̇, 0)'s, times q̇_j.
        const dirScale = i < n ? x![xb + n + i]! : 1;
        const dirBase = i < n ? v : pb + (i - n) * h;
        let back = 0;
        for (let k = 0; k < h; k++) {
          const dzk = dz![hb + k]!;
          dw![row + k] += xi * dzk + gi * delta![hb + k]! + dirScale * dp![dirBase + k]!;
          back += w![row + k]! * dzk;
        }
        dx![xb + i] = back;
      }
      // The direction (q̇, 0) = Σⱼ q̇ⱼ W1[j] also depends on q̇.
      for (let j = 0; j < n; j++) {
        const row = j * h;
        let acc = 0;
        for (let k = 0; k < h; k++) acc += w![row + k]! * dp![v + k]!;
        dx![xb + n + j] += acc;
      }
    }
  },
  multiOutput: true,
});

// ---- angle wrapping to [-π, π) (the identity to first order: no gradient kernel) ----

registerHostKernel<{ angles: number[] }>(K.wrap, {
  operands: positional,
  outputShapes: (ops) => [ops[0]!.shape],
  compute([x], [out], ops, { angles }) {
    const d = ops[0]!.shape[1]!;
    const twoPi = 2 * Math.PI;
    for (let i = 0; i < x!.length; i++) {
      const v = x![i]!;
      out![i] = angles[i % d] ? v - twoPi * Math.floor((v + Math.PI) / twoPi) : v;
    }
  },
});

// ---- scaling directions by φ'(z): S = P ⊙ φ' (broadcast over E) ----

// [P [B, E, h], s [B, h]] → S
registerHostKernel<object>(K.scale, {
  operands: positional,
  outputShapes: (ops) => [ops[0]!.shape],
  compute([p, s], [out], ops) {
    const [batch, E, h] = ops[0]!.shape as [number, number, number];
    for (let b = 0; b < batch; b++) {
      for (let e = 0; e < E; e++) {
        const o = (b * E + e) * h;
        for (let k = 0; k < h; k++) out![o + k] = p![o + k]! * s![b * h + k]!;
      }
    }
  },
});

// [dS, P, s, dP₀, ds₀] → [dP = dP₀ + dS ⊙ s, ds = ds₀ + Σₑ dS ⊙ P]
registerHostKernel<object>(K.scaleGrad, {
  operands: positional,
  outputShapes: (ops) => [ops[0]!.shape, ops[2]!.shape],
  compute([dS, p, s, dp0, ds0], [dp, ds], ops) {
    const [batch, E, h] = ops[0]!.shape as [number, number, number];
    ds!.set(ds0!);
    for (let b = 0; b < batch; b++) {
      const sb = b * h;
      for (let e = 0; e < E; e++) {
        const o = (b * E + e) * h;
        for (let k = 0; k < h; k++) {
          const d = dS![o + k]!;
          dp![o + k] = dp0![o + k]! + d * s![sb + k]!;
          ds![sb + k] += d * p![o + k]!;
        }
      }
    }
  },
  multiOutput: true,
});

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

// ---- eq. 8: q̈ = M⁻¹ r with M = ∇q̇∇q̇ᵀL, r = ∇qL − (∇q̇∇qᵀL) q̇, damped where M is near-singular ----

/** Running totals of the solves, read by the model for its metrics. */
export interface SolveCounter {
  samples: number;
  /** Samples where the damping changed the solution (an eigenvalue of M below 10·damping·‖M‖_F). */
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
  /** ε: eigen-directions of M with |μ| ≲ ε‖M‖_F are damped (Tikhonov, λ = (ε‖M‖_F)²). */
  damping: number;
  counter: number;
}

/** Per sample: M's eigen-decomposition (float64) and the damping λ. */
function decompose(g: Float32Array, b: number, n: number, damping: number) {
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
  const lambda = damping * damping * fro;
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

// [G [B, n, E], ∇L [B, 2n]] → q̈ [B, n]
registerHostKernel<SolveAttrs>(K.solve, {
  operands: positional,
  outputShapes: (ops, { n }) => [[ops[0]!.shape[0]!, n]],
  compute([g, grad], [acc], ops, { n, damping, counter }) {
    const batch = ops[0]!.shape[0]!;
    const count = counters.get(counter);
    let damped = 0;
    for (let b = 0; b < batch; b++) {
      const { lambda, values, vectors } = decompose(g!, b, n, damping);
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
  compute([dacc, g, grad], [dg, dgrad], ops, { n, damping }) {
    const batch = ops[1]!.shape[0]!;
    const E = n + 1;
    dg!.fill(0);
    dgrad!.fill(0);
    for (let b = 0; b < batch; b++) {
      const { m, lambda, values, vectors } = decompose(g!, b, n, damping);
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

// ---- [X_1 [r_1, h], ..., X_k [r_k, h]] → [h, Σ r_i]: the transposed row-concatenation ----

registerHostKernel<object>(K.transposeRows, {
  operands: positional,
  outputShapes: (ops) => [[ops[0]!.shape[ops[0]!.shape.length - 1]!, ops.reduce((acc, t) => acc + t.shape.slice(0, -1).reduce((a, b) => a * b, 1), 0)]],
  compute(values, [out], ops) {
    const h = ops[0]!.shape[ops[0]!.shape.length - 1]!;
    const total = out!.length / h;
    const TILE = 16;
    let col = 0;
    values.forEach((x) => {
      const rows = x.length / h;
      // Tiles of rows keep the strided reads within a few cache lines.
      for (let r0 = 0; r0 < rows; r0 += TILE) {
        const r1 = Math.min(rows, r0 + TILE);
        for (let k = 0; k < h; k++) {
          const dst = k * total + col;
          for (let r = r0; r < r1; r++) out![dst + r] = x[r * h + k]!;
        }
      }
      col += rows;
    });
  },
});
