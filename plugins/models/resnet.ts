/**
 * A discrete residual network as a time-indexed vector field: the seed
 * paper's section 2.1 comparison (Chen et al., "Neural Ordinary Differential
 * Equations", 2018, eq. 1: h_{k+1} = h_k + f(h_k, θ_k)).
 *
 * K blocks, block k an MLP f_k with its own weights, and
 *   x_{k+1} = x_k + h f_k(x_k),
 * exposed as f(t, x) = f_{k(t)}(x) with k(t) = floor(t / h) clamped to
 * [0, K − 1]: times before 0 use block 0 and times from K·h on use the last
 * block (a solve past K·h keeps applying f_{K−1}). Integrating it with the
 * `euler` integrator and step h over [0, K·h] evaluates block k at t = k·h,
 * so it applies exactly the residual stack; with h = 1 each step is the
 * paper's x + f(x). (Stage times of higher-order methods land inside
 * [k·h, (k+1)·h) and use block k too: then it is an ODE with a piecewise
 * constant-in-t field, not a ResNet.) k(t) forgives a relative 1e-9 below
 * k·h, so a grid time computed as j · (K·h / K) selects block j.
 *
 * Works on any system; a mechanical system's angles are wrapped before each
 * block unless wrapAngles is false (as the mlp model). With generalised coordinates (ctx.coordinates = n)
 * it also implements acceleration(x) as the last n components of block 0's
 * output: acceleration-mode training has no time, so it trains block 0 only.
 */
import { Rng, tf } from 'odelab';
import { definePlugin, s, type Infer, type Model, type ModelContext, type NamedWeights } from 'odelab/plugin';
import { DenseStack, activationSchema } from '../../core/nn/dense-stack.ts';
import { uniqueScope } from '../../core/nn/unique-scope.ts';
import { initSchema } from '../../core/nn/init.ts';
import { wrapAngleColumns } from '../../core/tensor/wrap-angles.ts';

const options = s.object({
  blocks: s.integer({ min: 1 }).default(4).describe('number of residual blocks K'),
  blockStep: s.number({ gt: 0 }).default(1).describe('time per block h (integrate with euler, step h, over [0, K·h])'),
  hidden: s.array(s.integer({ min: 1 }), { minLength: 1 }).default([50]).describe('hidden layer widths of each block'),
  activation: activationSchema.default('tanh'),
  init: initSchema.default('glorot-uniform'),
  initStd: s.number({ gt: 0 }).default(0.1).describe("std of the 'normal' initialisation"),
  wrapAngles: s.boolean().default(true).describe("wrap a mechanical system's angles to [-π, π) before each block (as mlp)"),
});
export type ResnetOptions = Infer<typeof options>;

/** A residual network: a Model plus its blocks by index. */
export interface ResnetModel extends Model {
  /** f_k(x) [B, stateDim]. */
  block(k: number, x: tf.Tensor): tf.Tensor;
  /** The block k(t) used at time t. */
  blockIndex(t: number): number;
}


/** Build a K-block residual network on states of size ctx.stateDim. */
export function createResnet(o: ResnetOptions, ctx: ModelContext): ResnetModel {
  const rng = new Rng(ctx.seed);
  const name = uniqueScope('resnet');
  const blocks = Array.from(
    { length: o.blocks },
    (_, k) =>
      new DenseStack({
        widths: [ctx.stateDim, ...o.hidden, ctx.stateDim],
        activation: o.activation,
        init: o.init,
        initStd: o.initStd,
        rng,
        name: `${name}/block${k}`,
      }),
  );
  const blockIndex = (t: number) => Math.min(o.blocks - 1, Math.max(0, Math.floor(t / o.blockStep + 1e-9)));
  const variables = blocks.flatMap((b) => b.variables);
  const angles = o.wrapAngles ? (ctx.angles ?? []) : [];
  // The wrap has derivative 1, so vector-Jacobian products pass through it unchanged.
  const input = (x: tf.Tensor) => wrapAngleColumns(x, angles);
  const model: ResnetModel = {
    variables,
    vectorField: (t, x) => blocks[blockIndex(t)]!.apply(input(x)),
    vjp: (t, x, cotangent) => {
      const k = blockIndex(t);
      const own = blocks[k]!.vjp(input(x), cotangent);
      // The other blocks' parameters do not enter f(t, ·): zero products.
      const dParams = blocks.flatMap((b, j) => (j === k ? own.dParams : b.variables.map((v) => tf.zerosLike(v))));
      return { value: own.value, dx: own.dx, dParams };
    },
    block: (k, x) => {
      const b = blocks[k];
      if (!b) throw new RangeError(`resnet block ${k} does not exist: there are ${o.blocks}`);
      return b.apply(input(x));
    },
    blockIndex,
    getWeights: () => blocks.reduce<NamedWeights>((w, b, k) => ({ ...w, ...b.getWeights(`block${k}/`) }), {}),
    setWeights: (w) => blocks.forEach((b, k) => b.setWeights(w, `block${k}/`)),
    dispose: () => blocks.forEach((b) => b.dispose()),
  };
  const n = ctx.coordinates;
  if (n !== undefined) model.acceleration = (x) => tf.slice(blocks[0]!.apply(input(x)), [0, ctx.stateDim - n], [-1, n]);
  return model;
}

export default definePlugin({
  kind: 'model',
  name: 'resnet',
  description: 'discrete residual network x + h f_k(x) as a time-indexed field (Chen 2018 §2.1; integrate with euler, step h)',
  options,
  create: createResnet,
});
