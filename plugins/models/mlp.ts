/**
 * A multilayer perceptron vector field dx/dt = f(x; θ) (or f(x, t; θ)): the
 * neural ODE of Chen et al. 2018 and the torchdiffeq demo's ODEFunc.
 */
import { definePlugin, s, Rng } from '../../core/index.ts';
import { DenseStack, activationSchema } from '../../core/nn/dense.ts';
import { initSchema } from '../../core/nn/init.ts';

let instances = 0;

export default definePlugin({
  kind: 'model',
  name: 'mlp',
  description: 'neural-ODE vector field: an MLP from the state (and optionally t) to dx/dt',
  options: s.object({
    hidden: s.array(s.integer({ min: 1 }), { minLength: 1 }).default([50]).describe('hidden layer widths'),
    activation: activationSchema.default('tanh'),
    init: initSchema.default('glorot-uniform'),
    initStd: s.number({ gt: 0 }).default(0.1).describe("std of the 'normal' initialisation"),
    timeDependent: s.boolean().default(false).describe('feed t to the network as an extra input'),
    inputTransform: s
      .enum(['none', 'cube'] as const)
      .default('none')
      .describe("transform the state before the network; 'cube' is the torchdiffeq demo's net(y**3)"),
  }),
  create(o, ctx) {
    const inputs = ctx.stateDim + (o.timeDependent ? 1 : 0);
    const net = new DenseStack({
      widths: [inputs, ...o.hidden, ctx.stateDim],
      activation: o.activation,
      init: o.init,
      initStd: o.initStd,
      rng: new Rng(ctx.seed),
      name: `mlp${instances++}`,
    });
    return {
      variables: net.variables,
      // The transform and the time column are part of the (fused) network evaluation.
      vectorField: (t, x) => net.apply(x, { inputTransform: o.inputTransform, time: o.timeDependent ? t : null }),
      vjp: (t, x, cotangent) => net.vjp(x, cotangent, { inputTransform: o.inputTransform, time: o.timeDependent ? t : null }),
      getWeights: () => net.getWeights(''),
      setWeights: (w) => net.setWeights(w, ''),
      dispose: () => net.dispose(),
    };
  },
});
