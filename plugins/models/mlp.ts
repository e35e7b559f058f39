/**
 * A multilayer perceptron vector field dx/dt = f(x; θ) (or f(x, t; θ)): the
 * neural ODE of Chen et al. 2018 and the torchdiffeq demo's ODEFunc.
 *
 * On a mechanical system (state (q, q̇)) it is also the unstructured
 * baseline of Cranmer et al. 2020: with output 'acceleration' the network
 * predicts q̈ and the vector field is (q̇, q̈); angles are wrapped to
 * [-π, π) before the network unless wrapAngles is false.
 */
import { Rng, tf } from 'odelab';
import { definePlugin, s } from 'odelab/plugin';
import { wrapAngleColumns } from '../../core/tensor/wrap-angles.ts';
import { angleFeatureCount, angleFeatures, angleInputSchema } from '../../core/nn/input-derivatives.ts';
import { DenseStack, activationSchema } from '../../core/nn/dense-stack.ts';
import { uniqueScope } from '../../core/nn/unique-scope.ts';
import { initSchema } from '../../core/nn/init.ts';


export default definePlugin({
  kind: 'model',
  name: 'mlp',
  description: 'neural-ODE vector field: an MLP from the state (and optionally t) to dx/dt, or to the accelerations',
  providesAcceleration: (o) => o.output === 'acceleration',
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
    output: s
      .enum(['derivative', 'acceleration'] as const)
      .default('derivative')
      .describe("'derivative': the network is dx/dt; 'acceleration' (mechanical systems): it is q̈ and dx/dt = (q̇, q̈)"),
    wrapAngles: s.boolean().default(true).describe("wrap a mechanical system's angles to [-π, π) before the network"),
    angleInput: angleInputSchema.default('wrap'),
  }),
  create(o, ctx) {
    const inputs = ctx.stateDim + (o.timeDependent ? 1 : 0);
    const n = ctx.coordinates;
    if (o.output === 'acceleration' && !n) throw new Error("model 'mlp' with output 'acceleration' needs a mechanical system");
    const angles = o.wrapAngles ? (ctx.angles ?? []) : [];
    // (cos θ, sin θ) features are plain tfjs ops before the fused network (the tape differentiates them).
    const sinCos = o.angleInput === 'sin-cos' && angles.some(Boolean);
    const width = sinCos ? angleFeatureCount(ctx.stateDim, angles, 'sin-cos') + (o.timeDependent ? 1 : 0) : inputs;
    const net = new DenseStack({
      widths: [width, ...o.hidden, o.output === 'acceleration' ? n! : ctx.stateDim],
      activation: o.activation,
      init: o.init,
      initStd: o.initStd,
      rng: new Rng(ctx.seed),
      name: uniqueScope('mlp'),
    });
    // The transform and the time column are part of the (fused) network evaluation;
    // the angle wrap is the identity to first order, so the vjp passes through it.
    const apply = (t: number, x: tf.Tensor) =>
      net.apply(sinCos ? angleFeatures(x, angles, 'sin-cos').value : wrapAngleColumns(x, angles), {
        inputTransform: o.inputTransform,
        time: o.timeDependent ? t : null,
      });
    if (o.output === 'acceleration') {
      const acceleration = (x: tf.Tensor) => apply(0, x);
      return {
        variables: net.variables,
        acceleration,
        vectorField: (t, x) => tf.concat([tf.slice(x, [0, n!], [-1, n!]), apply(t, x)], 1),
        getWeights: () => net.getWeights(''),
        setWeights: (w) => net.setWeights(w, ''),
        dispose: () => net.dispose(),
      };
    }
    return {
      variables: net.variables,
      vectorField: apply,
      ...(sinCos
        ? {}
        : {
            vjp: (t: number, x: tf.Tensor, cotangent: tf.Tensor) =>
              net.vjp(wrapAngleColumns(x, angles), cotangent, { inputTransform: o.inputTransform, time: o.timeDependent ? t : null }),
          }),
      // Backprop on host memory when the network sees the state as it is (no angle to wrap or featurise).
      ...(angles.some(Boolean)
        ? {}
        : { hostField: (rows: number) => net.hostField(rows, { inputTransform: o.inputTransform, timeDependent: o.timeDependent }) }),
      getWeights: () => net.getWeights(''),
      setWeights: (w) => net.setWeights(w, ''),
      dispose: () => net.dispose(),
    };
  },
});
