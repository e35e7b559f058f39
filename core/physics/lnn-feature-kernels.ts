/**
 * Host kernels of the LNN's periodic angle features: the network sees
 * (cos θ, sin θ) for every angle coordinate θ (other coordinates as they
 * are), then the velocities. Feature layout for x = (q, q̇): for each
 * coordinate i, two columns (cos qᵢ, sin qᵢ) if it is an angle, else one
 * (qᵢ); then the n velocity columns.
 *
 * The features are linear in q̇, so eq. 8's blocks keep their Gram form: the
 * velocity directions are the velocity rows of W₁, and the direction (q̇, 0)
 * becomes the per-sample feature direction U = J_q φ · q̇ (U = (−sin qᵢ·q̇ᵢ,
 * cos qᵢ·q̇ᵢ) on an angle's columns). ∇qL is the feature gradient pulled back
 * through J_q φ. These kernels build φ and U, pull gradients back, and give
 * the first layer's gradients in feature space and the state's gradient.
 */
import { registerHostKernel } from '../tensor/fused-combine.ts';
import { K, positional } from './lnn-kernels.ts';

export interface FeatureAttrs {
  n: number;
  /** 1 where coordinate i is an angle (two feature columns), else 0. */
  angles: number[];
}

/** Number of feature columns for n coordinates with these angle flags. */
export function featureCount(n: number, angles: readonly (number | boolean)[]): number {
  let d = n;
  for (let i = 0; i < n; i++) d += angles[i] ? 2 : 1;
  return d;
}

/** The first feature column of each coordinate. */
function columns(n: number, angles: readonly number[]): number[] {
  const out: number[] = [];
  let c = 0;
  for (let i = 0; i < n; i++) {
    out.push(c);
    c += angles[i] ? 2 : 1;
  }
  return out;
}

let lnnFeatureRegistered = false;
/** Register the angle-feature kernels on cpu and wasm (idempotent; lagrangianAcceleration calls it). */
export function registerLnnFeatureKernels(): void {
  if (lnnFeatureRegistered) return;
  lnnFeatureRegistered = true;
  // [x [B, 2n]] → [φ [B, d'], U [B, d']]
  registerHostKernel<FeatureAttrs>(K.features, {
    operands: positional,
    outputShapes: (ops, { n, angles }) => {
      const d = featureCount(n, angles);
      return [[ops[0]!.shape[0]!, d], [ops[0]!.shape[0]!, d]];
    },
    compute([x], [phi, u], ops, { n, angles }) {
      const batch = ops[0]!.shape[0]!;
      const d = featureCount(n, angles);
      const col = columns(n, angles);
      u!.fill(0);
      for (let b = 0; b < batch; b++) {
        const xb = b * 2 * n;
        const fb = b * d;
        for (let i = 0; i < n; i++) {
          const q = x![xb + i]!;
          const qd = x![xb + n + i]!;
          const r = fb + col[i]!;
          if (angles[i]) {
            const c = Math.cos(q);
            const s = Math.sin(q);
            phi![r] = c;
            phi![r + 1] = s;
            u![r] = -s * qd;
            u![r + 1] = c * qd;
          } else {
            phi![r] = q;
            u![r] = qd;
          }
          phi![fb + d - n + i] = qd;
        }
      }
    },
    multiOutput: true,
  });

  // [W₁ [d', h], U [B, d']] → P₁ [B, n + 1, h]: the velocity rows of W₁, then U W₁
  registerHostKernel<{ n: number }>(K.featDirections, {
    operands: positional,
    outputShapes: (ops, { n }) => [[ops[1]!.shape[0]!, n + 1, ops[0]!.shape[1]!]],
    compute([w, u], [p], ops, { n }) {
      const [d, h] = ops[0]!.shape as [number, number];
      const batch = ops[1]!.shape[0]!;
      const E = n + 1;
      const acc = new Float64Array(h);
      for (let b = 0; b < batch; b++) {
        const base = b * E * h;
        for (let i = 0; i < n; i++) p!.set(w!.subarray((d - n + i) * h, (d - n + i + 1) * h), base + i * h);
        acc.fill(0);
        for (let f = 0; f < d; f++) {
          const uf = u![b * d + f]!;
          if (uf === 0) continue;
          for (let k = 0; k < h; k++) acc[k] += uf * w![f * h + k]!;
        }
        p!.set(acc, base + n * h);
      }
    },
  });

  // [x, g_φ [B, d']] → ∇ₓL [B, 2n]
  registerHostKernel<FeatureAttrs>(K.featGrad, {
    operands: positional,
    outputShapes: (ops) => [ops[0]!.shape],
    compute([x, g], [gx], ops, { n, angles }) {
      const batch = ops[0]!.shape[0]!;
      const d = featureCount(n, angles);
      const col = columns(n, angles);
      for (let b = 0; b < batch; b++) {
        const xb = b * 2 * n;
        const fb = b * d;
        for (let i = 0; i < n; i++) {
          const r = fb + col[i]!;
          if (angles[i]) {
            const q = x![xb + i]!;
            gx![xb + i] = -Math.sin(q) * g![r]! + Math.cos(q) * g![r + 1]!;
          } else {
            gx![xb + i] = g![r]!;
          }
          gx![xb + n + i] = g![fb + d - n + i]!;
        }
      }
    },
  });

  // [x, g_φ, d∇ₓL] → [d g_φ, dx (through J_q φ's dependence on q)]
  registerHostKernel<FeatureAttrs>(K.featGradBack, {
    operands: positional,
    outputShapes: (ops) => [ops[1]!.shape, ops[0]!.shape],
    compute([x, g, dgx], [dg, dx], ops, { n, angles }) {
      const batch = ops[0]!.shape[0]!;
      const d = featureCount(n, angles);
      const col = columns(n, angles);
      dg!.fill(0);
      dx!.fill(0);
      for (let b = 0; b < batch; b++) {
        const xb = b * 2 * n;
        const fb = b * d;
        for (let i = 0; i < n; i++) {
          const r = fb + col[i]!;
          const dgi = dgx![xb + i]!;
          if (angles[i]) {
            const q = x![xb + i]!;
            const c = Math.cos(q);
            const s = Math.sin(q);
            dg![r] = -s * dgi;
            dg![r + 1] = c * dgi;
            dx![xb + i] = dgi * (-c * g![r]! - s * g![r + 1]!);
          } else {
            dg![r] = dgi;
          }
          dg![fb + d - n + i] = dgx![xb + n + i]!;
        }
      }
    },
    multiOutput: true,
  });

  // [dP₁, W₁, φ, U, dz₁, dg_φ, δ₁] → [dW₁, dφ, dU]
  registerHostKernel<{ n: number }>(K.featFirstLayerGrad, {
    operands: positional,
    outputShapes: (ops) => [ops[1]!.shape, ops[2]!.shape, ops[2]!.shape],
    compute([dp, w, phi, u, dz, dg, delta], [dw, dphi, du], ops, { n }) {
      const [d, h] = ops[1]!.shape as [number, number];
      const batch = ops[2]!.shape[0]!;
      const E = n + 1;
      const acc = new Float64Array(d * h);
      for (let b = 0; b < batch; b++) {
        const hb = b * h;
        const fb = b * d;
        const pb = b * E * h;
        const v = pb + n * h;
        for (let f = 0; f < d; f++) {
          const row = f * h;
          const pf = phi![fb + f]!;
          const gf = dg![fb + f]!;
          const uf = u![fb + f]!;
          const vel = f - (d - n);
          const velBase = vel >= 0 ? pb + vel * h : -1;
          let back = 0;
          let backU = 0;
          for (let k = 0; k < h; k++) {
            const dzk = dz![hb + k]!;
            const dpv = dp![v + k]!;
            acc[row + k] += pf * dzk + gf * delta![hb + k]! + uf * dpv + (velBase >= 0 ? dp![velBase + k]! : 0);
            back += w![row + k]! * dzk;
            backU += w![row + k]! * dpv;
          }
          dphi![fb + f] = back;
          du![fb + f] = backU;
        }
      }
      dw!.set(acc);
    },
    multiOutput: true,
  });

  // [x, dφ, dU, dx₀] → dx = dx₀ + J_xφᵀ dφ + J_xUᵀ dU
  registerHostKernel<FeatureAttrs>(K.featBack, {
    operands: positional,
    outputShapes: (ops) => [ops[0]!.shape],
    compute([x, dphi, du, dx0], [dx], ops, { n, angles }) {
      const batch = ops[0]!.shape[0]!;
      const d = featureCount(n, angles);
      const col = columns(n, angles);
      dx!.set(dx0!);
      for (let b = 0; b < batch; b++) {
        const xb = b * 2 * n;
        const fb = b * d;
        for (let i = 0; i < n; i++) {
          const r = fb + col[i]!;
          const qd = x![xb + n + i]!;
          if (angles[i]) {
            const q = x![xb + i]!;
            const c = Math.cos(q);
            const s = Math.sin(q);
            dx![xb + i] += -s * dphi![r]! + c * dphi![r + 1]! + qd * (-c * du![r]! - s * du![r + 1]!);
            dx![xb + n + i] += -s * du![r]! + c * du![r + 1]!;
          } else {
            dx![xb + i] += dphi![r]!;
            dx![xb + n + i] += du![r]!;
          }
          dx![xb + n + i] += dphi![fb + d - n + i]!;
        }
      }
    },
  });
}
