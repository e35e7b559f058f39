/**
 * The adjoint for stiff problems: the backward solve by an implicit
 * θ-method (implicit Euler, θ = 1; the trapezoidal rule, θ = ½) on states
 * stored by the forward solve.
 *
 * The continuous adjoint's usual backward pass re-solves x(t) backwards
 * next to λ. For a stiff, dissipative system that is hopeless: the modes
 * that decay fast forwards grow as fast backwards, so x is lost within a
 * few steps whatever the method. The λ equation, dλ/dt = −Jᵀλ, is the
 * stable direction: integrated backwards it decays like x does forwards,
 * and it is stiff in the same way, so an explicit backward solve needs
 * steps of the fast time scale. Hence (as SUNDIALS CVODES does with its
 * checkpoints) the forward pass stores x at each accepted step and at the
 * output times, no tape, no stages, memory O(steps · state), and the
 * backward pass solves only λ and the parameter gradient on that grid:
 *
 *   (I − θh Jᵀ(x_{k−1})) λ_{k−1} = λ_k + (1 − θ) h J(x_k)ᵀ λ_k,
 *   g_θ += h [(1 − θ) (∂f/∂θ)ᵀ λ_k |_{x_k} + θ (∂f/∂θ)ᵀ λ_{k−1} |_{x_{k−1}}],
 *
 * h = t_k − t_{k−1}, with each output's gradient added to λ at its time.
 * J is formed per row of a [batch, d] state (d vector-Jacobian products,
 * as the θ-methods' Newton iteration does) and the d×d systems are solved
 * on the host in float64. The gradient is the continuous adjoint's,
 * discretised on the forward grid: first order in h for implicit Euler,
 * second for the trapezoidal rule.
 */
import { ConfigError } from '../errors.ts';
import type { Trajectory } from '../gradient.ts';
import { isolatedGradients } from '../tensor/nested-gradients.ts';
import { tf } from '../tensor/tf.ts';
import type { AdjointRequest } from './adjoint.ts';
import { tensorJacobianBlocks } from './jacobian.ts';
import { luFactor, luSolve } from './lu.ts';
import { untapedTensorOps } from './tensor-ops.ts';
import { emptyStats, type SolveStats } from './types.ts';

/** λᵀ ∂f/∂x and λᵀ ∂f/∂θ at (t, x). */
function vjp(req: AdjointRequest, t: number, x: tf.Tensor, lambda: tf.Tensor): tf.Tensor[] {
  const params = req.params as tf.Variable[];
  const { grads } = isolatedGradients(() => tf.sum(tf.mul(req.func(t, x), lambda)) as tf.Scalar, [x, ...params]);
  return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? x : params[i - 1]!));
}

/** Solve (I − c Jᵀ) λ = r per row. */
function solveTransposed(J: Float64Array, c: number, r: Float32Array | Float64Array, B: number, d: number): Float32Array {
  const out = new Float32Array(B * d);
  const M = new Float64Array(d * d);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) M[i * d + j] = (i === j ? 1 : 0) - c * J[b * d * d + j * d + i]!;
    const lu = luFactor(M, d);
    const x = Float64Array.from(r.subarray(b * d, (b + 1) * d));
    luSolve(lu, x);
    out.set(x, b * d);
  }
  return out;
}

export function storedStateAdjoint(req: AdjointRequest, theta: number): Trajectory {
  if (req.runningCost) {
    throw new ConfigError('gradient.method', 'gradient.method: the implicit backward solve of the adjoint (implicit-euler, trapezoid) takes no running cost; use backprop');
  }
  const shape = req.y0.shape;
  const n = req.y0.size;
  const d = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  const B = n / d;
  const steps = req.t.length;
  const forward = emptyStats();
  const backward: SolveStats = { ...emptyStats(), njev: 0, nlu: 0 };
  // The grid's times (numbers): every accepted step's end and every output time, in solve order.
  let times: number[] = [];
  let outputIndex: number[] = [];
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const y0 = args[0] as tf.Tensor;
    const stored: { t: number; y: tf.Tensor }[] = [];
    const ys = tf.tidy(() => {
      const sol = req.forward.solve(req.func, y0, req.t, untapedTensorOps, (step) => {
        stored.push({ t: step.t1, y: tf.keep(tf.clone(step.y1)) });
        return false;
      });
      Object.assign(forward, sol.stats);
      return tf.stack(sol.ys);
    });
    const outputs = tf.unstack(ys);
    const dir = steps > 1 ? Math.sign(req.t[steps - 1]! - req.t[0]!) : 1;
    const points = [...req.t.map((t, i) => ({ t, y: outputs[i]!, output: i })), ...stored.map((p) => ({ ...p, output: -1 }))];
    points.sort((a, b) => dir * (a.t - b.t) || b.output - a.output);
    const grid = points.filter((p, i) => i === 0 || p.t !== points[i - 1]!.t);
    times = grid.map((p) => p.t);
    outputIndex = grid.map((p) => p.output);
    const states = tf.stack(grid.map((p) => p.y));
    tf.dispose([...stored.map((p) => p.y), ...outputs]);
    save([states]);
    return {
      value: tf.reshape(ys, [steps * n]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => backwardPass(req, theta, saved[0]!, dy as tf.Tensor, times, outputIndex, { B, d, shape }, backward),
    };
  });
  const out = op(req.y0, ...req.params) as tf.Tensor;
  return { ys: tf.reshape(out, [steps, ...shape]), forward, backward };
}

function backwardPass(
  req: AdjointRequest,
  theta: number,
  states: tf.Tensor,
  dy: tf.Tensor,
  times: number[],
  outputIndex: number[],
  dims: { B: number; d: number; shape: number[] },
  stats: SolveStats,
): tf.Tensor[] {
  const { B, d, shape } = dims;
  const params = req.params as tf.Variable[];
  const dys = tf.reshape(dy, [req.t.length, ...shape]);
  const cotangent = (i: number) => tf.reshape(tf.slice(dys, [i], [1]), shape);
  const state = (k: number) => tf.reshape(tf.slice(states, [k], [1]), shape);
  const K = times.length;
  let lambda = tf.tidy(() => cotangent(outputIndex[K - 1]!));
  let g = params.map((p) => tf.zerosLike(p) as tf.Tensor);
  const addTo = (into: tf.Tensor[], parts: tf.Tensor[], c: number) =>
    into.map((acc, i) => {
      const next = tf.add(acc, tf.mul(parts[i]!, c));
      acc.dispose();
      return next;
    });
  for (let k = K - 1; k > 0; k--) {
    const h = times[k]! - times[k - 1]!;
    const xk = state(k);
    const xPrev = state(k - 1);
    let rhs: tf.Tensor;
    if (theta < 1) {
      const [dx, ...dp] = vjp(req, times[k]!, xk, lambda);
      stats.nfe += 1;
      rhs = tf.add(lambda, tf.mul(dx!, (1 - theta) * h));
      g = addTo(g, dp, (1 - theta) * h);
      tf.dispose([dx!, ...dp]);
    } else rhs = tf.clone(lambda);
    const J = tensorJacobianBlocks(req.func, times[k - 1]!, xPrev, B, d);
    stats.njev! += 1;
    stats.nlu! += 1;
    stats.nfe += d;
    const solved = solveTransposed(J, theta * h, rhs.dataSync() as Float32Array, B, d);
    rhs.dispose();
    lambda.dispose();
    lambda = tf.tensor(solved, shape);
    const [, ...dp] = vjp(req, times[k - 1]!, xPrev, lambda);
    stats.nfe += 1;
    g = addTo(g, dp, theta * h);
    tf.dispose([...dp, xk, xPrev]);
    if (outputIndex[k - 1]! >= 0) {
      const withOutput = tf.tidy(() => tf.add(lambda, cotangent(outputIndex[k - 1]!)));
      lambda.dispose();
      lambda = withOutput;
    }
    stats.steps += 1;
  }
  dys.dispose();
  return [lambda, ...g];
}
