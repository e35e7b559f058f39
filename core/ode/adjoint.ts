/**
 * The continuous adjoint (Chen et al. 2018; the seed's §2.3, eqs. 4-7) as
 * one tfjs custom gradient.
 *
 * Forward: the solve runs inside the custom op, so nothing is recorded on
 * the tape, and the solver frees every intermediate state: memory does not
 * grow with the number of steps. Backward: from the last output time to the
 * first, the augmented state (x, λ, g_θ) is integrated backwards with
 *   dx/dt = f,  dλ/dt = -λᵀ ∂f/∂x - c̄ ∂l/∂x,  dg_θ/dt = -λᵀ ∂f/∂θ - c̄ ∂l/∂θ
 * (eq. 6 and the integrand of eq. 7; c̄ is the upstream gradient of the
 * running cost ∫ l dτ). At each output time λ receives that output's
 * gradient (the jump) and x is reset to its forward value. The products
 * λᵀ ∂f/∂(x, θ) are vector-Jacobian products taken with tfjs's tape on one
 * evaluation of f at a time. The result: the gradients for y0 and every
 * parameter, handed to tfjs, so tf.variableGrads works exactly as with
 * backprop.
 */
import { ConfigError } from '../errors.ts';
import type { GradientContext, RunningCost, Trajectory, Vjp } from '../gradient.ts';
import { isolatedGradients } from '../tensor/nested-gradients.ts';
import { tf } from '../tensor/tf.ts';
import { untapedTensorOps } from './tensor-ops.ts';
import { storedStateAdjoint } from './stiff-adjoint.ts';
import { resolveTolerance } from './method.ts';
import { augmentWithCost } from './running-cost.ts';
import { tolAt } from './scaled-norm.ts';
import { addStats, emptyStats, type Integrator, type SolveStats } from './types.ts';

export interface AdjointSettings {
  /** Backward integrator plugin name (default: the forward's). */
  method?: string;
  /** Backward tolerances (default: the forward's). */
  rtol?: number;
  atol?: number;
  /** Leave the parameter-gradient components out of the backward error norm (torchdiffeq's / diffrax's seminorm). */
  seminorm: boolean;
}

export interface AdjointRequest {
  func: (t: number, x: tf.Tensor) => tf.Tensor;
  y0: tf.Tensor;
  t: readonly number[];
  params: readonly tf.Variable[];
  forward: Integrator;
  context: GradientContext;
  settings: AdjointSettings;
  runningCost?: RunningCost;
  /** The model's tape-free vector-Jacobian product, when it has one. */
  vjp?: Vjp;
}

const flat = (x: tf.Tensor) => tf.reshape(x, [x.size]);

/** The backward integrator, with tolerances over the flat state [x (n), λ (n), g (p)]. */
function backwardIntegrator(req: AdjointRequest, n: number, p: number): Integrator {
  const { context, settings } = req;
  const name = settings.method ?? context.forward.name;
  const base = name === context.forward.name ? context.forward.options : {};
  const options: Record<string, unknown> = { ...base };
  if (settings.rtol !== undefined) options.rtol = settings.rtol;
  if (settings.atol !== undefined) options.atol = settings.atol;
  if (settings.seminorm) {
    // Per component of [x, λ, g]: x and λ keep the tolerances, g is left out of the norm.
    const tol = resolveTolerance(options as { rtol?: number | number[]; atol?: number | number[] }, 'float32', 'gradient');
    const at = (v: number | readonly number[], i: number) => tolAt(v, i % n);
    options.rtol = Array.from({ length: 2 * n + p }, (_, i) => (i < 2 * n ? at(tol.rtol, i) : 1));
    options.atol = Array.from({ length: 2 * n + p }, (_, i) => (i < 2 * n ? at(tol.atol, i) : Infinity));
  }
  return context.integrator(name, options);
}

/**
 * The θ of an implicit θ-method chosen for the backward solve (or the forward's, when none is named):
 * the backward pass then runs on stored states (stiff-adjoint.ts).
 */
function backwardTheta(req: AdjointRequest): number | undefined {
  const { context, settings } = req;
  const name = settings.method ?? context.forward.name;
  const backward = name === context.forward.name ? req.forward : context.integrator(name, {});
  if (backward.theta === undefined) return undefined;
  for (const key of ['rtol', 'atol'] as const) {
    if (settings[key] !== undefined) {
      throw new ConfigError(`gradient.${key}`, `gradient.${key}: the backward method '${name}' is a fixed-step θ-method run on the forward's steps; it has no ${key}`);
    }
  }
  return backward.theta;
}

/** The augmented backward dynamics on the flat state [x, λ, g]. */
function augmentedField(req: AdjointRequest, shape: number[], costBar: number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const params = req.params as tf.Variable[];
  return (t: number, z: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const x = tf.reshape(tf.slice(z, [0], [n]), shape);
      const negLambda = tf.neg(tf.reshape(tf.slice(z, [n], [n]), shape));
      if (req.vjp && costBar === 0) {
        // The model's own product with -λ: the right-hand sides directly, no tape.
        const { value, dx, dParams } = req.vjp(t, x, negLambda);
        return tf.concat([value, dx, ...dParams].map(flat));
      }
      let fx: tf.Tensor | undefined;
      // d/d(x, θ) of -(λᵀ f + c̄ l): the right-hand sides of dλ/dt and dg/dt directly.
      const { grads } = isolatedGradients(() => {
        fx = tf.keep(req.func(t, x));
        const s = tf.sum(tf.mul(fx, negLambda)) as tf.Scalar;
        return costBar !== 0 && req.runningCost ? (tf.sub(s, tf.mul(req.runningCost(t, x), costBar)) as tf.Scalar) : s;
      }, [x, ...params]);
      const parts = [fx!, ...grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? x : params[i - 1]!))];
      const dz = tf.concat(parts.map(flat));
      fx!.dispose(); // kept out of the gradient's own scope above, so freed by hand
      return dz;
    });
}

/** Run the backward pass; returns the gradients for y0 and the params. */
function backward(
  req: AdjointRequest,
  zs: tf.Tensor,
  dz: tf.Tensor,
  n: number,
  withCost: boolean,
  stats: SolveStats,
): tf.Tensor[] {
  const { t, params } = req;
  const shape = req.y0.shape;
  const p = params.reduce((acc, v) => acc + v.size, 0);
  const width = n + (withCost ? 1 : 0);
  const steps = t.length;
  const ys = tf.reshape(zs, [steps, width]);
  const dys = tf.reshape(dz, [steps, width]);
  const costBar = withCost ? tf.tidy(() => dys.slice([steps - 1, n], [1, 1]).dataSync()[0]!) : 0;
  const row = (m: tf.Tensor, i: number) => tf.reshape(tf.slice(m, [i, 0], [1, n]), [n]);
  const integrator = backwardIntegrator(req, n, p);
  const field = augmentedField(req, shape, costBar);
  let lambda = row(dys, steps - 1);
  let g = tf.zeros([p]);
  for (let i = steps - 1; i > 0; i--) {
    const next = tf.tidy(() => {
      const z = tf.concat([row(ys, i), lambda, g]);
      const sol = integrator.solve(field, z, [t[i]!, t[i - 1]!], untapedTensorOps);
      addStats(stats, sol.stats);
      const end = sol.ys[1]!;
      return { lambda: tf.add(tf.slice(end, [n], [n]), row(dys, i - 1)), g: tf.slice(end, [2 * n], [p]) };
    });
    tf.dispose([lambda, g]);
    lambda = next.lambda;
    g = next.g;
  }
  const grads = [tf.reshape(lambda, shape)];
  let offset = 0;
  for (const v of params) {
    grads.push(tf.reshape(tf.slice(g, [offset], [v.size]), v.shape));
    offset += v.size;
  }
  tf.dispose([lambda, g, ys, dys]);
  return grads;
}

/**
 * The trajectory (and running cost) whose gradients come from the adjoint.
 * Call it inside the gradient scope (tf.variableGrads); `backward` in the
 * result is filled in when the gradients are computed.
 */
export function adjointTrajectory(req: AdjointRequest): Trajectory {
  if (req.forward.events) {
    throw new ConfigError(
      'gradient.name',
      "gradient.name: the continuous adjoint cannot cross the system's event jumps (its backward solve would integrate through them); use backprop",
    );
  }
  const theta = backwardTheta(req);
  if (theta !== undefined) return storedStateAdjoint(req, theta);
  const n = req.y0.size;
  const steps = req.t.length;
  const forwardStats = emptyStats();
  const backwardStats = emptyStats();
  const withCost = req.runningCost !== undefined;
  const op = tf.customGrad((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const y0 = args[0] as tf.Tensor;
    // Forward, off the tape: one flat [steps, n (+1)] output.
    const zs = tf.tidy(() => {
      if (!withCost) {
        const sol = req.forward.solve(req.func, y0, req.t, untapedTensorOps);
        addStats(forwardStats, sol.stats);
        return tf.reshape(tf.stack(sol.ys), [steps * n]);
      }
      const aug = augmentWithCost(req.func, req.runningCost!, y0);
      const sol = req.forward.solve(aug.func, aug.z0, req.t, untapedTensorOps);
      addStats(forwardStats, sol.stats);
      return tf.reshape(tf.stack(sol.ys), [steps * (n + 1)]);
    });
    save([zs]);
    return {
      value: zs,
      gradFunc: (dz: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        backward(req, saved[0]!, dz as tf.Tensor, n, withCost, backwardStats),
    };
  });
  const out = op(req.y0, ...req.params) as tf.Tensor;
  if (!withCost) {
    return { ys: tf.reshape(out, [steps, ...req.y0.shape]), forward: forwardStats, backward: backwardStats };
  }
  const table = tf.reshape(out, [steps, n + 1]);
  return {
    ys: tf.reshape(tf.slice(table, [0, 0], [steps, n]), [steps, ...req.y0.shape]),
    cost: tf.reshape(tf.slice(table, [steps - 1, n], [1, 1]), []) as tf.Scalar,
    forward: forwardStats,
    backward: backwardStats,
  };
}
