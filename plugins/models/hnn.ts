/**
 * Hamiltonian neural network (Greydanus, Dzamba & Yosinski, "Hamiltonian
 * Neural Networks", NeurIPS 2019): a scalar MLP H_θ(q, p) and the vector
 * field of Hamilton's equations, (q̇, ṗ) = (∂H/∂p, −∂H/∂q) (their eq. 2).
 * The field is the symplectic gradient of H_θ, so H_θ is conserved along its
 * own flow by construction.
 *
 * The state is taken as canonical (q, p). odelab's mechanical systems have
 * state (q, q̇); the model then learns an "H" in (q, q̇), which exists only
 * when p = M q̇ with a constant mass matrix M (a linear change of variables).
 * For systems with a configuration-dependent mass matrix (double pendulum,
 * n-pendulum) it cannot represent the true flow: the limitation Cranmer et
 * al. ("Lagrangian Neural Networks", 2020, §1) point out, and the reason LNNs
 * and DeLaN learn in (q, q̇).
 *
 * ∂H/∂(q, p) comes from an explicit reverse sweep of the MLP in tfjs ops
 * (core/nn/input-derivatives.ts), so training differentiates it once with the
 * ordinary tape. Angle coordinates enter the network as (cos θ, sin θ) by
 * default (`angleInput`), so H_θ is smooth and periodic in them; 'wrap' feeds
 * θ wrapped to [-π, π) instead, which makes H_θ jump where a trajectory
 * crosses ±π, so H is not conserved there.
 */
import { ConfigError, Rng, tf } from 'odelab';
import { definePlugin, s, type Infer, type Model, type ModelContext } from 'odelab/plugin';
import { DenseStack } from '../../core/nn/dense-stack.ts';
import { uniqueScope } from '../../core/nn/unique-scope.ts';
import { initSchema } from '../../core/nn/init.ts';
import { angleFeatureCount, angleFeatures, angleInputSchema, pullBack, scalarNetGradient, smoothActivationSchema } from '../../core/nn/input-derivatives.ts';

const options = s.object({
  hidden: s.array(s.integer({ min: 1 }), { minLength: 1 }).default([200, 200]).describe('hidden layer widths of H_θ'),
  activation: smoothActivationSchema.default('tanh'),
  init: initSchema.default('glorot-uniform'),
  initStd: s.number({ gt: 0 }).default(0.1).describe("std of the 'normal' initialisation"),
  angleInput: angleInputSchema.default('sin-cos'),
});
export type HnnOptions = Infer<typeof options>;

/** An HNN: a Model plus its learned Hamiltonian. */
export interface HnnModel extends Model {
  /** H_θ(x) [B] for states x [B, 2n]. */
  hamiltonian(x: tf.Tensor): tf.Tensor;
  acceleration(x: tf.Tensor): tf.Tensor;
}


/** Build an HNN for a mechanical system with `ctx.coordinates` = n (state 2n). */
export function createHnn(o: HnnOptions, ctx: ModelContext): HnnModel {
  const n = ctx.coordinates;
  if (n === undefined || ctx.stateDim !== 2 * n) {
    throw new ConfigError(
      'model.name',
      `model.name: 'hnn' needs a mechanical system with generalised coordinates (state (q, p) of size 2n), ` +
        `got stateDim ${ctx.stateDim} and coordinates ${n ?? 'unset'}`,
    );
  }
  const angles = ctx.angles ?? [];
  const net = new DenseStack({
    widths: [angleFeatureCount(2 * n, angles, o.angleInput), ...o.hidden, 1],
    activation: o.activation,
    init: o.init,
    initStd: o.initStd,
    rng: new Rng(ctx.seed),
    name: uniqueScope('hnn'),
  });
  const dH = (x: tf.Tensor) => {
    const input = angleFeatures(x, angles, o.angleInput);
    const { value, grad } = scalarNetGradient(input.value, net.weights, net.biases, o.activation);
    return { value, grad: pullBack(grad, input.jacobian) };
  };
  // H's output bias is an additive constant that no trajectory can see: not trained (it stays 0).
  const constant = net.biases[net.biases.length - 1]!;
  return {
    variables: net.variables.filter((v) => v !== constant),
    vectorField: (_t, x) => {
      const [hq, hp] = tf.split(dH(x).grad, 2, 1);
      return tf.concat([hp!, tf.neg(hq!)], 1);
    },
    // ṗ = −∂H/∂q: the second half of the field (q̈ when p = M q̇ with M = I).
    acceleration: (x) => tf.neg(tf.slice(dH(x).grad, [0, 0], [-1, n])),
    hamiltonian: (x) => tf.reshape(net.apply(angleFeatures(x, angles, o.angleInput).value), [-1]),
    getWeights: () => net.getWeights(''),
    setWeights: (w) => net.setWeights(w, ''),
    dispose: () => net.dispose(),
  };
}

export default definePlugin({
  kind: 'model',
  name: 'hnn',
  description: 'Hamiltonian neural network (Greydanus 2019): an MLP H(q, p) and its symplectic gradient',
  requiresMechanical: true,
  options,
  create: createHnn,
});
