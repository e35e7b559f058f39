/**
 * A small tanh MLP vector field twice: as tfjs variables (float32, the code
 * under test) and as plain float64 arithmetic (the finite-difference reference).
 * f(t, y) = (1 + 0.5 sin t) · (W2ᵀ tanh(W1ᵀ y + b1) + b2), row by row: time-dependent.
 */
import { odeint64, tf } from 'odelab';

export const D = 2;
export const H = 3;
export const B = 2;

/** Parameters flattened: W1 [D,H], b1 [H], W2 [H,D], b2 [D], then y0 [B,D]. */
export const SHAPES: number[][] = [[D, H], [H], [H, D], [D]];
export const SIZES = SHAPES.map((s) => s.reduce((a, b) => a * b, 1));

export const THETA0 = [0.5, -0.3, 0.8, 0.2, 0.7, -0.5, 0.1, -0.2, 0.05, 0.3, -0.6, 0.9, 0.1, -0.4, 0.5, 0.02, -0.01];
export const Y0 = [1, 0.5, -0.3, 0.8];
export const TIMES = [0, 0.4, 1.1, 1.6];
export const TARGET = Array.from({ length: TIMES.length * B * D }, (_, i) => 0.8 * Math.sin(1.3 * i));

const gate = (t: number) => 1 + 0.5 * Math.sin(t);

function split(theta: readonly number[]): number[][] {
  const out: number[][] = [];
  let o = 0;
  for (const n of SIZES) {
    out.push(theta.slice(o, o + n));
    o += n;
  }
  return out;
}

/** The float64 field on a flat state [B*D] (plus, with a running cost, one extra entry). */
export function field64(theta: readonly number[], withCost: boolean) {
  const [w1, b1, w2, b2] = split(theta) as [number[], number[], number[], number[]];
  return (t: number, z: Float64Array): Float64Array => {
    const out = new Float64Array(z.length);
    let cost = 0;
    for (let r = 0; r < B; r++) {
      const y = z.subarray(r * D, r * D + D);
      const h = Array.from({ length: H }, (_, j) => Math.tanh(b1[j]! + y.reduce((acc, yi, i) => acc + yi * w1[i * H + j]!, 0)));
      for (let k = 0; k < D; k++) out[r * D + k] = gate(t) * (b2[k]! + h.reduce((acc, hj, j) => acc + hj * w2[j * D + k]!, 0));
      cost += y.reduce((acc, yi) => acc + yi * yi, 0);
    }
    if (withCost) out[B * D] = cost;
    return out;
  };
}

/** The loss Σ_i |y(t_i) - target_i|² (+ ∫ Σ|y|² dt with a running cost), in float64. */
export function loss64(theta: readonly number[], y0: readonly number[], withCost: boolean, options: object): number {
  const z0 = withCost ? [...y0, 0] : [...y0];
  const { ys } = odeint64(field64(theta, withCost), z0, TIMES, options);
  let loss = 0;
  ys.forEach((z, i) => {
    for (let j = 0; j < B * D; j++) loss += (z[j]! - TARGET[i * B * D + j]!) ** 2;
  });
  return withCost ? loss + ys[ys.length - 1]![B * D]! : loss;
}

/** Central finite differences of loss64 in every parameter and every y0 entry. */
export function finiteDifferences(withCost: boolean, options: object, eps = 1e-5): number[] {
  const all = [...THETA0, ...Y0];
  const at = (v: number[]) => loss64(v.slice(0, THETA0.length), v.slice(THETA0.length), withCost, options);
  return all.map((_, i) => {
    const up = [...all];
    const down = [...all];
    up[i]! += eps;
    down[i]! -= eps;
    return (at(up) - at(down)) / (2 * eps);
  });
}

/** The same model as tfjs variables. */
export function tfModel() {
  const parts = split(THETA0);
  const vars = parts.map((p, i) => tf.variable(tf.tensor(p, SHAPES[i]!)));
  const [w1, b1, w2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const y0 = tf.variable(tf.tensor2d(Y0, [B, D]));
  const func = (t: number, y: tf.Tensor) =>
    tf.mul(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(y as tf.Tensor2D, w1 as tf.Tensor2D), b1)) as tf.Tensor2D, w2 as tf.Tensor2D), b2), gate(t));
  const target = tf.tensor3d(TARGET, [TIMES.length, B, D]);
  const loss = (ys: tf.Tensor, cost?: tf.Scalar) => {
    const l = tf.sum(tf.square(tf.sub(ys, target))) as tf.Scalar;
    return cost ? (tf.add(l, cost) as tf.Scalar) : l;
  };
  const runningCost = (_t: number, y: tf.Tensor) => tf.sum(tf.square(y)) as tf.Scalar;
  const flatGrads = (grads: tf.NamedTensorMap) => [...vars, y0].flatMap((v) => Array.from(grads[v.name]!.dataSync()));
  return { vars, y0, func, loss, runningCost, flatGrads, dispose: () => tf.dispose([...vars, y0, target]) };
}

/** ‖a - b‖ / ‖b‖. */
export function relativeDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
