/**
 * Host kernels (cpu and wasm) of the Lagrangian network's accelerations: the
 * element-wise and batched-small-matrix parts of eq. 8 and of its
 * vector-Jacobian product, each one pass over host memory (the Gram products
 * and the solve are in lnn-solve-kernels.ts). The large matrix products stay
 * tfjs matMuls (XNNPACK on wasm); see lagrangian-accel.ts for the algorithm.
 *
 * Layouts (row-major): per-layer vectors z, a, φ', φ'', ḡ, δ, c are [B, h];
 * the forward-mode directions P and S are [B, E, h] with E = n + 1 (the n
 * velocity unit vectors, then the direction (q̇, 0)); the Gram blocks G are
 * [B, n, E]: G[b, i, j<n] = ∂²L/∂q̇ᵢ∂q̇ⱼ and G[b, i, n] = Σⱼ ∂²L/∂q̇ᵢ∂qⱼ q̇ⱼ.
 *
 * Registered by registerLnnKernels() (and registerLnnSolveKernels(),
 * registerLnnFeatureKernels() for the other two files), which
 * lagrangianAcceleration calls before its fused path; importing registers nothing.
 */
import { registerHostKernel } from '../tensor/fused-combine.ts';
import { tf } from '../tensor/tf.ts';

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
  features: 'OdelabLnnFeatures',
  featDirections: 'OdelabLnnFeatDirections',
  featGrad: 'OdelabLnnFeatGrad',
  featGradBack: 'OdelabLnnFeatGradBack',
  featFirstLayerGrad: 'OdelabLnnFeatFirstLayerGrad',
  featBack: 'OdelabLnnFeatBack',
} as const;

export const positional = (inputs: Record<string, unknown>) => Object.keys(inputs).map((k) => inputs[k]) as never[];

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

/** The sigmoid the activation kernels take: σ(z) for softplus, σ(2z) for tanh. */
export function activationSigmoid(z: tf.Tensor, act: LnnActivation): tf.Tensor {
  return act === 'softplus' ? tf.sigmoid(z) : tf.sigmoid(tf.mul(z, 2));
}

// ---- the reverse chain: δ = ḡ ⊙ φ', c = ḡ ⊙ φ'' (ḡ may be one row, broadcast) ----

// ---- first-layer directions: P1[b, i] = W1[n + i], P1[b, n] = Σⱼ q̇ⱼ W1[j] ----

interface DirAttrs {
  n: number;
}

// ---- the first layer's gradients in one pass ----

// ---- angle wrapping to [-π, π) (the identity to first order: no gradient kernel) ----

// ---- scaling directions by φ'(z): S = P ⊙ φ' (broadcast over E) ----

// ---- [X_1 [r_1, h], ..., X_k [r_k, h]] → [h, Σ r_i]: the transposed row-concatenation ----

let lnnRegistered = false;
/** Register the Lagrangian network's activation, chain, direction and helper kernels on cpu and wasm (idempotent; lagrangianAcceleration calls it). */
export function registerLnnKernels(): void {
  if (lnnRegistered) return;
  lnnRegistered = true;
  // [z, σ] → [φ'(z), φ''(z)] (+ [φ(z)] with attrs.value)
  registerHostKernel<ActKernelAttrs>(K.act, {
    operands: positional,
    outputShapes: (ops, { value }) => (value ? [ops[0]!.shape, ops[0]!.shape, ops[0]!.shape] : [ops[0]!.shape, ops[0]!.shape]),
    compute([z, sig], [d1, d2, a], _ops, { activation, value }) {
      derivativesInto(activation, z!, sig!, d1!, d2!, value ? a! : null);
    },
    multiOutput: true,
  });

  // [σ, dφ', dφ'', dφ (optional)] → [dz = dφ'·φ'' + dφ''·φ''' + dφ·φ', Σ_b dz (the bias gradient)]
  registerHostKernel<ActAttrs>(K.actGrad, {
    operands: positional,
    outputShapes: (ops) => [ops[0]!.shape, [ops[0]!.shape[1]!]],
    compute([sig, ds, dt, da], [dz, db], ops, { activation }) {
      const len = sig!.length;
      const h = ops[0]!.shape[1]!;
      const sums = new Float64Array(h);
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
        const v = ds![i]! * d2 + dt![i]! * d3 + (da ? da[i]! * d1 : 0);
        dz![i] = v;
        sums[i % h] += v;
      }
      db!.set(sums);
    },
    multiOutput: true,
  });

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

  // [dδ, dc, φ', φ'', ḡ] → [dḡ = dδ⊙φ' + dc⊙φ'', dφ' = dδ⊙ḡ, dφ'' = dc⊙ḡ, Σ_b dḡ]
  // (and Σ_b dḡ as a fourth output: the output layer's gradient when ḡ is its broadcast row)
  registerHostKernel<object>(K.chainGrad, {
    operands: positional,
    outputShapes: (ops) => [ops[0]!.shape, ops[0]!.shape, ops[0]!.shape, [ops[0]!.shape[1]!]],
    compute([dd, dc, s, t, g], [dg, ds, dt, dgSum], ops) {
      const h = g!.length === s!.length ? s!.length : g!.length;
      const width = ops[0]!.shape[1]!;
      const sums = new Float64Array(width);
      for (let i = 0; i < s!.length; i++) {
        const gi = g![i % h]!;
        const v = dd![i]! * s![i]! + dc![i]! * t![i]!;
        dg![i] = v;
        sums[i % width] += v;
        ds![i] = dd![i]! * gi;
        dt![i] = dc![i]! * gi;
      }
      dgSum!.set(sums);
    },
    multiOutput: true,
  });

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
      // Accumulate in float64: a read-modify-write of float32 costs a conversion every time.
      const acc = new Float64Array(d * h);
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
            acc[row + k] += xi * dzk + gi * delta![hb + k]! + dirScale * dp![dirBase + k]!;
            back += w![row + k]! * dzk;
          }
          dx![xb + i] = back;
        }
        // The direction (q̇, 0) = Σⱼ q̇ⱼ W1[j] also depends on q̇.
        for (let j = 0; j < n; j++) {
          const row = j * h;
          let sum = 0;
          for (let k = 0; k < h; k++) sum += w![row + k]! * dp![v + k]!;
          dx![xb + n + j] += sum;
        }
      }
      dw!.set(acc);
    },
    multiOutput: true,
  });

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
      const acc = new Float64Array(h);
      for (let b = 0; b < batch; b++) {
        const sb = b * h;
        for (let k = 0; k < h; k++) acc[k] = ds0![sb + k]!;
        for (let e = 0; e < E; e++) {
          const o = (b * E + e) * h;
          for (let k = 0; k < h; k++) {
            const d = dS![o + k]!;
            dp![o + k] = dp0![o + k]! + d * s![sb + k]!;
            acc[k] += d * p![o + k]!;
          }
        }
        for (let k = 0; k < h; k++) ds![sb + k] = acc[k]!;
      }
    },
    multiOutput: true,
  });

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
}
