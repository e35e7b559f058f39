/**
 * Lagrangian neural network (Cranmer et al. 2020): an MLP L_θ(q, q̇) with a
 * scalar output, whose motion is the Euler-Lagrange equation (the seed's
 * eq. 8) q̈ = (∇q̇∇q̇ᵀL)⁻¹ [∇qL − (∇q∇q̇ᵀL) q̇], integrated as a neural ODE
 * with vector field (q̇, q̈). Angles reach the network wrapped to [-π, π)
 * (angleInput 'wrap', the default) or as (cos θ, sin θ) ('sin-cos': L is
 * periodic, no jump at ±π). The derivatives of L come from forward-mode propagation through
 * the network, not nested autodiff (core/physics/lagrangian-accel.ts); a
 * near-singular ∇q̇∇q̇ᵀL is damped and counted (metric lnn_damped_fraction).
 */
import { ConfigError, Rng, tf } from 'odelab';
import { definePlugin, s } from 'odelab/plugin';
import { DenseStack } from '../../core/nn/dense-stack.ts';
import { uniqueScope } from '../../core/nn/unique-scope.ts';
import { INITS, cranmerInit, initSchema } from '../../core/nn/init.ts';
import { lagrangianAcceleration } from '../../core/physics/lagrangian-accel.ts';
import { LNN_ACTIVATIONS } from '../../core/physics/lnn-kernels.ts';
import { newSolveCounter, releaseSolveCounter } from '../../core/physics/lnn-solve-kernels.ts';
import { featureCount } from '../../core/physics/lnn-feature-kernels.ts';
import { angleInputSchema } from '../../core/nn/input-derivatives.ts';


export default definePlugin({
  kind: 'model',
  name: 'lnn',
  description: 'Lagrangian neural network: an MLP L(q, qdot), accelerations by Euler-Lagrange (eq. 8)',
  requiresMechanical: true,
  providesAcceleration: () => true,
  diagnosticMetrics: ['lnn_solves', 'lnn_damped', 'lnn_damped_fraction'],
  options: s.object({
    hidden: s.array(s.integer({ min: 1 }), { minLength: 1 }).default([128, 128]).describe('hidden layer widths of L'),
    activation: s.enum(LNN_ACTIVATIONS).default('softplus').describe('needs a second derivative: softplus (Cranmer et al.) or tanh'),
    init: s
      .enum(['cranmer', ...INITS] as const)
      .default('cranmer')
      .describe(`'cranmer': Cranmer et al.'s initialisation for LNNs; otherwise as ${initSchema.info().description ?? 'the mlp'}`),
    angleInput: angleInputSchema.default('wrap'),
    inputScale: s
      .array(s.number({ gt: 0 }))
      .optional()
      .describe('fixed factors applied to (q, q̇) before the network (one per state component), e.g. 1/(velocity range) to bring fast velocities to order 1'),
    positiveInit: s
      .boolean()
      .default(true)
      .describe("start the output layer's weights non-negative, so that ∂²L/∂q̇∂q̇ starts positive definite (a kinetic energy); false: signed, as drawn"),
    damping: s
      .number({ gt: 0, max: 0.1 })
      .default(1e-5)
      .describe('ε: eigen-directions of the velocity Hessian below about ε·‖H‖ are damped (Tikhonov) instead of inverted'),
    dampingFloor: s
      .number({ min: 0 })
      .default(0)
      .describe('absolute floor of the damping, in units of the velocity Hessian: where it vanishes (L independent of q̇), |q̈| stays below |r|/(2·floor)'),
  }),
  checkOptions(o, ctx) {
    const n = ctx.coordinates ?? 0;
    const inputs = o.angleInput === 'sin-cos' ? featureCount(n, ctx.angles ?? []) : 2 * n;
    if (o.inputScale && o.inputScale.length !== inputs) {
      throw new ConfigError(
        'model.inputScale',
        `model.inputScale must have ${inputs} entries (one per network input${o.angleInput === 'sin-cos' ? ': cos and sin of each angle, other coordinates, velocities' : ''}), got ${o.inputScale.length}`,
      );
    }
  },
  create(o, ctx) {
    const n = ctx.coordinates;
    if (!n) throw new Error("model 'lnn' needs a mechanical system (generalised coordinates)");
    const angles = ctx.angles ?? [];
    const features = o.angleInput === 'sin-cos' && angles.some(Boolean);
    const inputs = features ? featureCount(n, angles) : 2 * n;
    const net = new DenseStack({
      widths: [inputs, ...o.hidden, 1],
      activation: o.activation,
      init: o.init === 'cranmer' ? 'normal' : o.init,
      ...(o.init === 'cranmer' ? { initLayer: cranmerInit } : {}),
      rng: new Rng(ctx.seed),
      name: uniqueScope('lnn'),
    });
    // The velocity Hessian is Σ_ℓ J_ℓᵀ diag(ḡ_ℓ ⊙ φ''(z_ℓ)) J_ℓ with ḡ_D the output weights: with them
    // non-negative the last layer's term is positive semi-definite, and it dominates at initialisation,
    // so ∂²L/∂q̇∂q̇ starts positive definite. Drawn signed, it starts indefinite for some seeds, and
    // reaching a definite kinetic energy means crossing det = 0, where q̈ diverges: training stalls
    // there (docs/physics-and-models.md, "Velocity-dependent Lagrangians").
    if (o.positiveInit) {
      const out = net.weights[net.weights.length - 1]!;
      const abs = tf.abs(out);
      out.assign(abs);
      abs.dispose();
    }
    const { id, counter } = newSolveCounter();
    // Scaling the inputs is scaling the rows of the first (linear) layer: L(x ⊙ s) has weights diag(s) W₀.
    const scale = o.inputScale ? tf.keep(tf.tensor2d(o.inputScale, [inputs, 1])) : undefined;
    const weights = () => (scale ? [tf.mul(net.weights[0]!, scale), ...net.weights.slice(1)] : net.weights);
    const acceleration = (x: tf.Tensor) =>
      lagrangianAcceleration(x, { weights: weights(), biases: net.biases, activation: o.activation }, { n, angles, angleFeatures: features, damping: o.damping, dampingFloor: o.dampingFloor, counter: id });
    return {
      variables: net.variables,
      acceleration,
      vectorField: (_t, x) => tf.concat([tf.slice(x, [0, n], [-1, n]), acceleration(x)], 1),
      diagnostics: () => ({
        lnn_solves: counter.samples,
        lnn_damped: counter.damped,
        lnn_damped_fraction: counter.samples ? counter.damped / counter.samples : 0,
      }),
      getWeights: () => net.getWeights(''),
      setWeights: (w) => net.setWeights(w, ''),
      dispose: () => {
        scale?.dispose();
        net.dispose();
        releaseSolveCounter(id);
      },
    };
  },
});
