/**
 * Derivatives of a dense network with respect to its input, written as
 * ordinary tfjs ops.
 *
 * Physics models (Hamiltonian and Lagrangian networks) put ∂(network)/∂(input)
 * inside their vector field, and training differentiates that vector field
 * again. tfjs cannot nest `tf.grad` (the inner tape's gradients of tanh and
 * friends are not themselves differentiable there), so the input derivatives
 * are built explicitly from φ and φ' and the tape only ever differentiates
 * once. Network convention (as DenseStack): z_ℓ = a_{ℓ-1} W_ℓ + b_ℓ,
 * a_ℓ = φ(z_ℓ) for hidden layers, no activation after the last layer.
 */
import { s } from '../schema.ts';
import { tf } from '../tensor/tf.ts';
import { activate, type Activation } from '../tensor/dense-stack-kernels.ts';
import { wrapAngleColumns } from '../tensor/wrap-angles.ts';

/**
 * Activations for networks whose input derivatives enter a vector field that
 * is trained: smooth, so that φ' is differentiable again (relu's φ' is a step
 * with zero derivative, linear has no curvature at all).
 */
export const SMOOTH_ACTIVATIONS = ['tanh', 'softplus', 'sigmoid'] as const;
export type SmoothActivation = (typeof SMOOTH_ACTIVATIONS)[number];
export const smoothActivationSchema = s.enum(SMOOTH_ACTIVATIONS).describe('activation (smooth: the model differentiates the network)');

/**
 * φ'(z) from z as tfjs ops the tape can differentiate (once more).
 * relu's and elu's derivatives are only piecewise smooth: their own
 * derivative is 0 (relu) or discontinuous at 0 (elu).
 */
export function activationDerivative(z: tf.Tensor, a: Activation): tf.Tensor {
  switch (a) {
    case 'tanh': {
      const t = tf.tanh(z);
      return tf.sub(1, tf.mul(t, t));
    }
    case 'softplus':
      return tf.sigmoid(z);
    case 'sigmoid': {
      const s = tf.sigmoid(z);
      return tf.mul(s, tf.sub(1, s));
    }
    case 'relu':
      return tf.step(z);
    case 'elu':
      return tf.where(tf.greater(z, 0), tf.onesLike(z), tf.exp(tf.minimum(z, 0)));
    case 'linear':
      return tf.onesLike(z);
  }
}

/** The pre-activations z_ℓ of every layer (the last is the output). */
function preActivations(x: tf.Tensor, weights: readonly tf.Tensor[], biases: readonly tf.Tensor[], activation: Activation): tf.Tensor[] {
  if (weights.length === 0 || weights.length !== biases.length) {
    throw new RangeError(`a dense network needs as many biases as weights (at least one layer), got ${weights.length} and ${biases.length}`);
  }
  const zs: tf.Tensor[] = [];
  let h = x;
  weights.forEach((w, i) => {
    const z = tf.add(tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D), biases[i]!);
    zs.push(z);
    if (i + 1 < weights.length) h = activate(z, activation);
  });
  return zs;
}

/**
 * A scalar network's value and gradient with respect to its input, by one
 * reverse sweep: ḡ_{a_{L-1}} = W_Lᵀ, δ_ℓ = ḡ_{a_ℓ} ⊙ φ'(z_ℓ), ḡ_{a_{ℓ-1}} = δ_ℓ W_ℓᵀ.
 * @param x inputs [B, d].
 * @param weights W_ℓ [h_{ℓ-1}, h_ℓ]; the last has one column.
 * @returns value [B] and grad [B, d].
 */
export function scalarNetGradient(
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[],
  activation: Activation,
): { value: tf.Tensor; grad: tf.Tensor } {
  const last = weights[weights.length - 1];
  if (!last || last.shape[1] !== 1) throw new RangeError(`scalarNetGradient needs a network with one output, got [${last?.shape}]`);
  const zs = preActivations(x, weights, biases, activation);
  const value = tf.reshape(zs[zs.length - 1]!, [-1]);
  // ḡ for the last hidden activations: W_Lᵀ as a row, broadcast over the batch.
  let g: tf.Tensor = tf.reshape(last, [1, -1]);
  for (let l = weights.length - 2; l >= 0; l--) {
    const delta = tf.mul(g, activationDerivative(zs[l]!, activation));
    g = tf.matMul(delta as tf.Tensor2D, weights[l]! as tf.Tensor2D, false, true);
  }
  // A one-layer (linear) network: the gradient is W_1ᵀ for every sample.
  const grad = g.shape[0] === x.shape[0] ? g : tf.tile(g, [x.shape[0]!, 1]);
  return { value, grad };
}

/**
 * A network's output and its Jacobian with respect to the input, by forward
 * mode: with P_ℓ = ∂z_ℓ/∂x stored transposed as [B, d, h_ℓ],
 * P_1 = W_1 and P_{ℓ+1} = (P_ℓ ⊙ φ'(z_ℓ)) W_{ℓ+1}. Costs B·d·Σ h_ℓ h_{ℓ+1}
 * multiply-adds: meant for small inputs (d generalised coordinates).
 * @param x inputs [B, d].
 * @returns value [B, out] and jacobian [B, out, d] (jacobian[b, i, k] = ∂out_i/∂x_k).
 */
export function netJacobian(
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[],
  activation: Activation,
): { value: tf.Tensor; jacobian: tf.Tensor } {
  const zs = preActivations(x, weights, biases, activation);
  const batch = x.shape[0]!;
  const d = x.shape[1]!;
  let p: tf.Tensor = tf.expandDims(weights[0]!, 0); // [1, d, h_1], the same for every sample
  for (let l = 0; l + 1 < weights.length; l++) {
    const scaled = tf.mul(p, tf.expandDims(activationDerivative(zs[l]!, activation), 1)); // [B, d, h_ℓ]
    const next = weights[l + 1]!;
    const h = next.shape[0]!;
    p = tf.reshape(tf.matMul(tf.reshape(scaled, [batch * d, h]) as tf.Tensor2D, next as tf.Tensor2D), [batch, d, next.shape[1]!]);
  }
  if (p.shape[0] !== batch) p = tf.tile(p, [batch, 1, 1]);
  return { value: zs[zs.length - 1]!, jacobian: tf.transpose(p, [0, 2, 1]) };
}

export const ANGLE_INPUTS = ['sin-cos', 'wrap'] as const;
export type AngleInput = (typeof ANGLE_INPUTS)[number];
export const angleInputSchema = s
  .enum(ANGLE_INPUTS)
  .describe(
    "how the network sees angle coordinates: 'sin-cos' feeds (cos θ, sin θ), smooth and periodic; " +
      "'wrap' feeds θ wrapped to [-π, π), which jumps at ±π (so does the learned energy)",
  );

/**
 * The network input for x [B, d] whose first angles.length columns may be
 * angles, and its Jacobian ∂input/∂x [B, d_in, d] (null: the identity, as for
 * 'wrap', whose derivative is 1 wherever it is continuous). With 'sin-cos',
 * each angle column becomes the two columns cos θ, sin θ in its place, so
 * d_in = d + (number of angles).
 */
export function angleFeatures(x: tf.Tensor, angles: readonly boolean[], mode: AngleInput): { value: tf.Tensor; jacobian: tf.Tensor | null } {
  if (mode === 'wrap') return { value: wrapAngleColumns(x, angles), jacobian: null };
  if (!angles.some(Boolean)) return { value: x, jacobian: null };
  const d = x.shape[1]!;
  // Columns of concat([x, cos x, sin x]) in input order, and the x column each comes from.
  const pick: number[] = [];
  const source: number[] = [];
  for (let i = 0; i < d; i++) {
    if (angles[i]) pick.push(d + i, 2 * d + i);
    else pick.push(i);
    source.push(...(angles[i] ? [i, i] : [i]));
  }
  // A one-hot [3d, d_in] product: much faster than tf.gather on the cpu backend.
  const select = tf.tensor2d(Array.from({ length: 3 * d }, (_, r) => pick.map((c) => (c === r ? 1 : 0))));
  const cos = tf.cos(x);
  const sin = tf.sin(x);
  const value = tf.matMul(tf.concat([x, cos, sin], 1) as tf.Tensor2D, select);
  const slopes = tf.matMul(tf.concat([tf.onesLike(x), tf.neg(sin), cos], 1) as tf.Tensor2D, select); // [B, d_in]
  const placement = tf.tensor2d(source.map((c) => Array.from({ length: d }, (_, k) => (k === c ? 1 : 0))));
  return { value, jacobian: tf.mul(tf.expandDims(slopes, 2), placement) };
}

/** The number of network inputs angleFeatures produces from d columns. */
export function angleFeatureCount(d: number, angles: readonly boolean[], mode: AngleInput): number {
  return mode === 'wrap' ? d : d + angles.slice(0, d).filter(Boolean).length;
}

/** Pull a derivative with respect to the features back to x: gᵀ (∂features/∂x) for g [B, d_in] or [B, m, d_in]. */
export function pullBack(g: tf.Tensor, jacobian: tf.Tensor | null): tf.Tensor {
  if (!jacobian) return g;
  if (g.rank === 3) return tf.matMul(g as tf.Tensor3D, jacobian as tf.Tensor3D);
  return tf.squeeze(tf.matMul(tf.expandDims(g, 1) as tf.Tensor3D, jacobian as tf.Tensor3D), [1]);
}
