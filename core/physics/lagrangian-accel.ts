/**
 * Accelerations of a Lagrangian network by eq. 8,
 *   q̈ = (∇q̇∇q̇ᵀL)⁻¹ [∇qL − (∇q∇q̇ᵀL) q̇],
 * for L_θ(q, q̇) an MLP with a scalar output, without nested autodiff.
 *
 * The derivatives of L come from one forward-and-reverse sweep of the
 * network (layer ℓ: z_ℓ = a_{ℓ-1} W_ℓ + b_ℓ, a_ℓ = φ(z_ℓ), L = a_D w + c):
 *   reverse:  ḡ_D = w, δ_ℓ = ḡ_ℓ ⊙ φ'(z_ℓ), ḡ_{ℓ-1} = δ_ℓ W_ℓᵀ, ∇ₓL = ḡ_0;
 *   forward:  P_ℓ[e] = ∂z_ℓ/∂x · e for the n+1 directions e = (0, eᵢ) and
 *             (q̇, 0): P_1 from W_1, P_{ℓ+1} = (P_ℓ ⊙ φ'(z_ℓ)) W_{ℓ+1};
 *   Hessian:  ∇²ₓL = Σ_ℓ J_ℓᵀ diag(ḡ_ℓ ⊙ φ''(z_ℓ)) J_ℓ (J_ℓ = ∂z_ℓ/∂x), so
 *             the blocks eq. 8 needs are Gram products of the directions,
 *             G[i, e] = Σ_ℓ Σ_k P_ℓ[i]_k c_ℓ,k P_ℓ[e]_k with c_ℓ = ḡ_ℓ ⊙ φ''(z_ℓ).
 * Only n + 1 forward-mode directions are needed (not 2n): the q-columns of
 * the mixed block enter eq. 8 only through their product with q̇, which is
 * the directional derivative along (q̇, 0).
 *
 * The solve damps near-singular ∇q̇∇q̇ᵀL (Tikhonov, per sample):
 * q̈ = (M² + λI)⁻¹ M r with λ = (ε‖M‖_F)² + floor², which equals M⁻¹r up
 * to a relative ε²·cond(M)² (for ‖M‖ well above the floor) and stays finite
 * where M is singular, even where M → 0 (|q̈| ≤ |r|/(2 floor)); the samples
 * it changes are counted (lnn-solve-kernels.ts, SolveCounter).
 *
 * `lagrangianAcceleration` is one tfjs op with a hand-written gradient
 * (the reverse of the sweep above, all first-order) on the cpu and wasm
 * backends; `compositeLagrangianAcceleration` is the same mathematics in
 * plain tfjs ops, differentiated by the tape, for the other backends and as
 * the tests' independent reference.
 */
import { tf } from '../tensor/tf.ts';
import { fusedKernelsEnabled, onHostBackend } from '../tensor/fused-combine.ts';
import { wrapAngleColumns } from '../tensor/wrap-angles.ts';
import { K, activationSigmoid, registerLnnKernels, type LnnActivation } from './lnn-kernels.ts';
import { registerLnnSolveKernels } from './lnn-solve-kernels.ts';
import { registerLnnFeatureKernels } from './lnn-feature-kernels.ts';
import { angleFeatures, pullBack } from '../nn/input-derivatives.ts';

/** The network of L: hidden layers W_ℓ [h_{ℓ-1}, h_ℓ], b_ℓ, then the output layer [h_D, 1], [1]. */
export interface LagrangianNet {
  weights: readonly tf.Tensor[];
  biases: readonly tf.Tensor[];
  activation: LnnActivation;
}

export interface AccelerationOptions {
  /** Number of coordinates n; x is [B, 2n] = (q, q̇). */
  n: number;
  /** Which coordinates are angles, wrapped to [-π, π) before the network. */
  angles: readonly boolean[];
  /** ε of the damping (see the file comment). */
  damping: number;
  /** The damping's absolute floor (units of ∇q̇∇q̇ᵀL; default 0). */
  dampingFloor?: number;
  /**
   * Feed every angle to the network as (cos θ, sin θ) instead of wrapped
   * (the first layer then has featureCount(n, angles) inputs, lnn-feature-kernels.ts): L becomes
   * periodic, with no jump at ±π.
   */
  angleFeatures?: boolean;
  /** A counter id from newSolveCounter (0: not counted). */
  counter: number;
}

const run = (name: string, inputs: tf.Tensor[], attrs: object = {}) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
const run1 = (name: string, inputs: tf.Tensor[], attrs: object = {}) => run(name, inputs, attrs) as tf.Tensor;
const runN = (name: string, inputs: tf.Tensor[], attrs: object = {}) => run(name, inputs, attrs) as tf.Tensor[];
/** [h_in, h_out] → [h_out, h_in] (and row-stacked operands transposed in one pass). */
const transposeRows = (...xs: tf.Tensor[]) => run1(K.transposeRows, xs);

/** q̈ [B, n] for states x [B, 2n]: one op with a hand-written gradient on cpu and wasm, composite elsewhere. */
export function lagrangianAcceleration(x: tf.Tensor, net: LagrangianNet, o: AccelerationOptions): tf.Tensor {
  if (!onHostBackend() || !fusedKernelsEnabled()) return compositeLagrangianAcceleration(x, net, o);
  registerLnnKernels();
  registerLnnSolveKernels();
  registerLnnFeatureKernels();
  const D = net.weights.length - 1;
  const params = net.weights.flatMap((w, i) => [w, net.biases[i]!]);
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args.pop() as (ts: tf.Tensor[]) => void;
    const [xIn, ...wb] = args as tf.Tensor[];
    const W = wb.filter((_, i) => i % 2 === 0);
    const b = wb.filter((_, i) => i % 2 === 1);
    const f = forward(xIn!, W, b, D, net.activation, o);
    save([xIn!, f.xw, ...f.sig, ...f.a, ...f.s, ...f.t, ...f.P, ...f.S, ...f.delta, ...f.gbar, ...f.c, f.G, f.grad, ...W, ...f.WT, ...(f.U ? [f.U, f.gfeat!] : [])]);
    return {
      value: f.acc,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => backward(dy as tf.Tensor, unpack(saved, D, usesFeatures(o)), D, net.activation, o),
    };
  });
  return op(x, ...params);
}

interface Sweep {
  x: tf.Tensor;
  xw: tf.Tensor;
  /** σ(z_ℓ) (softplus) or σ(2z_ℓ) (tanh): every activation derivative is a polynomial in it. */
  sig: tf.Tensor[];
  /** φ(z_ℓ) for ℓ < D - 1. */
  a: tf.Tensor[];
  s: tf.Tensor[];
  t: tf.Tensor[];
  P: tf.Tensor[];
  /** S_ℓ = P_ℓ ⊙ φ'(z_ℓ) for ℓ < D. */
  S: tf.Tensor[];
  delta: tf.Tensor[];
  /** ḡ_ℓ for ℓ = 0..D-1 (ḡ_D is w). */
  gbar: tf.Tensor[];
  c: tf.Tensor[];
  G: tf.Tensor;
  grad: tf.Tensor;
  W: tf.Tensor[];
  /** W_ℓᵀ for the hidden layers, transposed once per step. */
  WT: tf.Tensor[];
  /** With angle features: the feature-space direction of (q̇, 0), and ∇L wrt the features. */
  U?: tf.Tensor;
  gfeat?: tf.Tensor;
}

/** Angle flags per coordinate, as numbers (kernel attributes). */
const angleFlags = (o: AccelerationOptions) => Array.from({ length: o.n }, (_, i) => (o.angles[i] ? 1 : 0));
const usesFeatures = (o: AccelerationOptions) => Boolean(o.angleFeatures) && o.angles.some(Boolean);

function forward(x: tf.Tensor, W: tf.Tensor[], b: tf.Tensor[], D: number, activation: LnnActivation, o: AccelerationOptions) {
  const batch = x.shape[0]!;
  const E = o.n + 1;
  const feat = usesFeatures(o);
  const [phi, U] = feat ? runN(K.features, [x], { n: o.n, angles: angleFlags(o) }) : [undefined, undefined];
  const xw = feat ? phi! : o.angles.some(Boolean) ? run1(K.wrap, [x], { angles: o.angles.map(Number) }) : x;
  const WT = W.slice(0, D).map((w) => transposeRows(w));
  const sig: tf.Tensor[] = [];
  const a: tf.Tensor[] = [];
  const s: tf.Tensor[] = [];
  const t: tf.Tensor[] = [];
  const P: tf.Tensor[] = [];
  const S: tf.Tensor[] = [];
  let prev = xw;
  for (let l = 0; l < D; l++) {
    const h = W[l]!.shape[1]!;
    const z = tf.fused.matMul({ a: prev as tf.Tensor2D, b: W[l]! as tf.Tensor2D, bias: b[l]! });
    sig.push(activationSigmoid(z, activation));
    const [sl, tl, al] = runN(K.act, [z, sig[l]!], { activation, value: l < D - 1 });
    s.push(sl!);
    t.push(tl!);
    if (al) a.push(al);
    P.push(l === 0 ? (feat ? run1(K.featDirections, [W[0]!, U!], { n: o.n }) : run1(K.directions, [W[0]!, xw], { n: o.n })) : tf.reshape(tf.matMul(tf.reshape(S[l - 1]!, [batch * E, -1]), W[l]!), [batch, E, h]));
    if (l < D - 1) S.push(run1(K.scale, [P[l]!, sl!]));
    prev = al!;
  }
  const delta: tf.Tensor[] = new Array(D);
  const c: tf.Tensor[] = new Array(D);
  const gbar: tf.Tensor[] = new Array(D);
  let g = tf.reshape(W[D]!, [1, -1]);
  let grad!: tf.Tensor;
  for (let l = D - 1; l >= 0; l--) {
    gbar[l] = g;
    const [dl, cl] = runN(K.chain, [g, s[l]!, t[l]!]);
    delta[l] = dl!;
    c[l] = cl!;
    g = tf.matMul(dl!, WT[l]!);
    if (l === 0) grad = g;
  }
  const gfeat = feat ? grad : undefined;
  if (feat) grad = run1(K.featGrad, [x, gfeat!], { n: o.n, angles: angleFlags(o) });
  const G = run1(K.gram, [...P, ...c], { n: o.n, layers: D });
  const acc = run1(K.solve, [G, grad], { n: o.n, damping: o.damping, floor: o.dampingFloor ?? 0, counter: o.counter });
  return { acc, x, xw, sig, a, s, t, P, S, delta, gbar, c, G, grad, WT, U, gfeat };
}

function unpack(saved: tf.Tensor[], D: number, feat: boolean): Sweep {
  let i = 0;
  const take = (k: number) => saved.slice(i, (i += k));
  const [x, xw] = take(2);
  const sig = take(D);
  const a = take(D - 1);
  const s = take(D);
  const t = take(D);
  const P = take(D);
  const S = take(D - 1);
  const delta = take(D);
  const gbar = take(D);
  const c = take(D);
  const [G, grad] = take(2);
  const W = take(D + 1);
  const WT = take(D);
  const [U, gfeat] = feat ? take(2) : [undefined, undefined];
  return { x: x!, xw: xw!, sig, a, s, t, P, S, delta, gbar, c, G: G!, grad: grad!, W, WT, U, gfeat };
}

function backward(dy: tf.Tensor, f: Sweep, D: number, activation: LnnActivation, o: AccelerationOptions): tf.Tensor[] {
  const batch = f.x.shape[0]!;
  const E = o.n + 1;
  const { W, WT } = f;
  const [dG, dgrad] = runN(K.solveGrad, [dy, f.G, f.grad], { n: o.n, damping: o.damping, floor: o.dampingFloor ?? 0, counter: 0 });
  const gramGrads = runN(K.gramGrad, [dG!, ...f.P, ...f.c], { n: o.n, layers: D });
  const dP = gramGrads.slice(0, D);
  const dc = gramGrads.slice(D);
  const ds: tf.Tensor[] = new Array(D);
  const dt: tf.Tensor[] = new Array(D);
  // Operands of each weight's gradient dW_ℓ = Σ Xᵀ Y, gathered as row blocks.
  const X: tf.Tensor[][] = Array.from({ length: D + 1 }, () => []);
  const Y: tf.Tensor[][] = Array.from({ length: D + 1 }, () => []);

  // With angle features, ∇ₓL is the feature gradient pulled back: push its cotangent forward.
  const feat = usesFeatures(o);
  const [dgfeat, dxA] = feat ? runN(K.featGradBack, [f.x, f.gfeat!, dgrad!], { n: o.n, angles: angleFlags(o) }) : [dgrad!, undefined];
  // The reverse chain, bottom-up: ∇ₓL = δ_0 W_0ᵀ, ḡ_ℓ = δ_{ℓ+1} W_{ℓ+1}ᵀ.
  let ddelta = tf.matMul(dgfeat!, W[0]!);
  let dW_out!: tf.Tensor;
  for (let l = 0; l < D; l++) {
    const [dg, dsl, dtl, dgSum] = runN(K.chainGrad, [ddelta, dc[l]!, f.s[l]!, f.t[l]!, f.gbar[l]!]);
    ds[l] = dsl!;
    dt[l] = dtl!;
    if (l < D - 1) {
      ddelta = tf.matMul(dg!, W[l + 1]!);
      X[l + 1]!.push(dg!);
      Y[l + 1]!.push(f.delta[l + 1]!);
    } else {
      dW_out = tf.reshape(dgSum!, W[D]!.shape);
    }
  }

  // The forward-mode directions, top-down: P_ℓ = S_{ℓ-1} W_ℓ, S_ℓ = P_ℓ ⊙ φ'(z_ℓ).
  for (let l = D - 1; l >= 1; l--) {
    const flat = tf.reshape(dP[l]!, [batch * E, -1]);
    const dS = tf.reshape(tf.matMul(flat, WT[l]!), f.S[l - 1]!.shape);
    X[l]!.push(f.S[l - 1]!);
    Y[l]!.push(flat);
    [dP[l - 1], ds[l - 1]] = runN(K.scaleGrad, [dS, f.P[l - 1]!, f.s[l - 1]!, dP[l - 1]!, ds[l - 1]!]) as [tf.Tensor, tf.Tensor];
  }

  // The values, top-down: z_ℓ = a_{ℓ-1} W_ℓ + b_ℓ.
  const db: tf.Tensor[] = new Array(D);
  let da: tf.Tensor | undefined;
  let dz0!: tf.Tensor;
  for (let l = D - 1; l >= 0; l--) {
    const [dz, dbl] = runN(K.actGrad, da ? [f.sig[l]!, ds[l]!, dt[l]!, da] : [f.sig[l]!, ds[l]!, dt[l]!], { activation }) as [tf.Tensor, tf.Tensor];
    db[l] = dbl;
    if (l > 0) {
      X[l]!.push(f.a[l - 1]!);
      Y[l]!.push(dz);
      da = tf.matMul(dz, WT[l]!);
    } else {
      dz0 = dz;
    }
  }

  // The first layer in one pass: its weights' gradient from the value (xwᵀ dz₀), the reverse chain
  // (d∇Lᵀ δ₀) and the directions; the state's gradient dz₀ W₀ᵀ plus the velocity direction's.
  let dW0: tf.Tensor;
  let dx: tf.Tensor;
  if (feat) {
    const [dw, dphi, dU] = runN(K.featFirstLayerGrad, [dP[0]!, W[0]!, f.xw, f.U!, dz0, dgfeat!, f.delta[0]!], { n: o.n });
    dW0 = dw!;
    dx = run1(K.featBack, [f.x, dphi!, dU!, dxA!], { n: o.n, angles: angleFlags(o) });
  } else {
    [dW0, dx] = runN(K.firstLayerGrad, [dP[0]!, W[0]!, f.xw, dz0, dgrad!, f.delta[0]!], { n: o.n }) as [tf.Tensor, tf.Tensor];
  }
  const dW = W.slice(0, D).map((w, l) => {
    if (l === 0) return dW0;
    const rows = Y[l]!.map((y) => tf.reshape(y, [-1, w.shape[1]!]));
    return tf.matMul(transposeRows(...X[l]!.map((x) => tf.reshape(x, [-1, w.shape[0]!]))), rows.length === 1 ? rows[0]! : tf.concat(rows, 0));
  });
  const grads: tf.Tensor[] = [dx];
  for (let l = 0; l < D; l++) grads.push(dW[l]!, db[l]!);
  grads.push(dW_out, tf.zeros([1]));
  return grads;
}

// ---- the same mathematics in plain tfjs ops ----

function activationDerivatives(z: tf.Tensor, act: LnnActivation): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (act === 'softplus') {
    const s = tf.sigmoid(z);
    return [tf.softplus(z), s, tf.mul(s, tf.sub(1, s))];
  }
  const a = tf.tanh(z);
  const d1 = tf.sub(1, tf.square(a));
  return [a, d1, tf.mul(-2, tf.mul(a, d1))];
}

/**
 * The composite implementation (any backend; differentiable by the tape to
 * first order). Its damping λ is computed from the data and held constant,
 * as in the fused op; its solve is Gaussian elimination on M² + λI
 * (symmetric positive definite, no pivoting needed).
 */
export function compositeLagrangianAcceleration(x: tf.Tensor, net: LagrangianNet, o: AccelerationOptions): tf.Tensor {
  const { n } = o;
  const batch = x.shape[0]!;
  const D = net.weights.length - 1;
  const W = net.weights;
  // With angle features: φ(x) and its Jacobian J [B, d', 2n]; the direction (q̇, 0) maps to U = J (q̇, 0).
  const feats = usesFeatures(o) ? angleFeatures(x, o.angles, 'sin-cos') : undefined;
  const xw = feats ? feats.value : wrapAngleColumns(x, o.angles);
  const dIn = W[0]!.shape[0]!;
  const qd = tf.slice(x, [0, n], [batch, n]);
  const U = feats ? tf.squeeze(tf.matMul(feats.jacobian!, tf.expandDims(tf.concat([qd, tf.zerosLike(qd)], 1), 2)), [2]) : undefined;
  const z: tf.Tensor[] = [];
  const s: tf.Tensor[] = [];
  const t: tf.Tensor[] = [];
  const P: tf.Tensor[] = [];
  let prev = xw;
  for (let l = 0; l < D; l++) {
    const h = W[l]!.shape[1]!;
    z.push(tf.add(tf.matMul(prev, W[l]!), net.biases[l]!));
    const [al, sl, tl] = activationDerivatives(z[l]!, net.activation);
    s.push(sl);
    t.push(tl);
    if (l === 0) {
      const rows = tf.tile(tf.reshape(tf.slice(W[0]!, [dIn - n, 0], [n, h]), [1, n, h]), [batch, 1, 1]);
      const v = tf.reshape(U ? tf.matMul(U, W[0]!) : tf.matMul(qd, tf.slice(W[0]!, [0, 0], [n, h])), [batch, 1, h]);
      P.push(tf.concat([rows, v], 1));
    } else {
      const scaled = tf.mul(P[l - 1]!, tf.reshape(s[l - 1]!, [batch, 1, -1]));
      P.push(tf.reshape(tf.matMul(tf.reshape(scaled, [batch * (n + 1), -1]), W[l]!), [batch, n + 1, h]));
    }
    prev = al;
  }
  let g: tf.Tensor = tf.reshape(W[D]!, [1, -1]);
  let G: tf.Tensor = tf.zeros([batch, n, n + 1]);
  for (let l = D - 1; l >= 0; l--) {
    const c = tf.mul(g, t[l]!);
    const rows = tf.slice(P[l]!, [0, 0, 0], [batch, n, -1]);
    const term = tf.sum(tf.mul(tf.expandDims(tf.mul(rows, tf.expandDims(c, 1)), 2), tf.expandDims(P[l]!, 1)), -1);
    G = tf.add(G, term);
    g = tf.matMul(tf.mul(g, s[l]!), W[l]!, false, true);
  }
  const M = tf.div(tf.add(tf.slice(G, [0, 0, 0], [batch, n, n]), tf.transpose(tf.slice(G, [0, 0, 0], [batch, n, n]), [0, 2, 1])), 2);
  const gq = tf.slice(feats ? pullBack(g, feats.jacobian) : g, [0, 0], [batch, n]);
  const r = tf.sub(gq, tf.reshape(tf.slice(G, [0, 0, n], [batch, n, 1]), [batch, n]));
  const fro = tf.sum(tf.square(M), [1, 2]).dataSync();
  const floor = o.dampingFloor ?? 0;
  const lambda = tf.tensor1d(Array.from(fro, (v) => o.damping * o.damping * v + floor * floor));
  const Kmat = tf.add(tf.matMul(M, M), tf.mul(tf.reshape(lambda, [batch, 1, 1]), tf.eye(n)));
  const rhs = tf.reshape(tf.matMul(M, tf.reshape(r, [batch, n, 1])), [batch, n]);
  return solveSpd(Kmat, rhs, n, batch);
}

/** Batched Gaussian elimination for symmetric positive definite systems, in tfjs ops (unrolled over n). */
function solveSpd(Kmat: tf.Tensor, rhs: tf.Tensor, n: number, batch: number): tf.Tensor {
  const a: tf.Tensor[][] = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => tf.reshape(tf.slice(Kmat, [0, i, j], [batch, 1, 1]), [batch])),
  );
  const r: tf.Tensor[] = Array.from({ length: n }, (_, i) => tf.reshape(tf.slice(rhs, [0, i], [batch, 1]), [batch]));
  for (let k = 0; k < n; k++) {
    for (let i = k + 1; i < n; i++) {
      const m = tf.div(a[i]![k]!, a[k]![k]!);
      for (let j = k; j < n; j++) a[i]![j] = tf.sub(a[i]![j]!, tf.mul(m, a[k]![j]!));
      r[i] = tf.sub(r[i]!, tf.mul(m, r[k]!));
    }
  }
  const out: tf.Tensor[] = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let acc = r[i]!;
    for (let j = i + 1; j < n; j++) acc = tf.sub(acc, tf.mul(a[i]![j]!, out[j]!));
    out[i] = tf.div(acc, a[i]![i]!);
  }
  return tf.stack(out, 1);
}
