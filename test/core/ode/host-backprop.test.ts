// Backprop of a whole solve on host memory (core/ode/host-backprop.ts) against central finite differences of
// the same float64 discrete solve, and against backprop on tfjs's tape, for every registered integrator.
import test from 'ava';
import { initBackend, Rng, tf } from 'odelab';
import { createRegistry } from 'odelab/node';
import { DenseStack } from '../../../core/nn/dense-stack.ts';
import { backpropTrajectory } from '../../../core/ode/backprop.ts';
import { hostBackpropTrajectory } from '../../../core/ode/host-backprop.ts';
import { scaledSquaresFlat } from '../../../core/ode/scaled-norm.ts';
import type { Integrator } from '../../../core/ode/types.ts';
import { denseHostField, type DenseHostCall } from '../../../core/tensor/dense-stack-host.ts';
import { nativeAvailable, setKernelMode } from '../../../core/tensor/kernels.ts';
import { setFusedKernels } from '../../../core/tensor/dense-stack-kernels.ts';
import { relativeDistance } from '../../helpers/mlp64.ts';

const ROWS = 3;
const TIMES = [0, 0.3, 0.7, 1.0];
const registry = createRegistry();

function integratorOf(name: string): Integrator {
  const p = registry.get('integrator', name);
  const opts = p.adaptive ? { rtol: 1e-6, atol: 1e-8 } : { step: 0.1 };
  return p.create(p.options.parse(opts, 'integrator')) as Integrator;
}

let stacks = 0;
function stack(timeDependent: boolean): DenseStack {
  return new DenseStack({ widths: [2 + (timeDependent ? 1 : 0), 7, 2], activation: 'tanh', init: 'glorot-normal', rng: new Rng(3), name: `hb${stacks++}` });
}

const y0Values = Float32Array.from({ length: ROWS * 2 }, (_, i) => Math.fround(0.4 + 0.3 * Math.sin(1.7 * i)));
/** Weights of the loss on each output: a loss that reaches every output time. */
const lossWeights = Float32Array.from({ length: TIMES.length * ROWS * 2 }, (_, i) => Math.fround(Math.cos(0.9 * i)));

/** Loss Σ w ⊙ ys and its gradients (y0, then each variable) through `traj`. */
function gradients(net: DenseStack, traj: (y0: tf.Tensor) => tf.Tensor): number[][] {
  const y0 = tf.variable(tf.tensor2d(y0Values, [ROWS, 2]), true, `hb-y0-${stacks++}`);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(traj(y0), tf.tensor3d(lossWeights, [TIMES.length, ROWS, 2]))) as tf.Scalar, [
    y0,
    ...net.variables,
  ]);
  const out = [y0, ...net.variables].map((v) => Array.from(grads[v.name]!.dataSync()));
  Object.values(grads).forEach((g) => g.dispose());
  y0.dispose();
  return out;
}

const flat = (xs: number[][]) => xs.flat();

/** The same loss by a float64 host solve with parameters `params` ([w0, b0, w1, b1]) and initial state x0. */
function hostLoss(integ: Integrator, widths: number[], call: DenseHostCall, params: Float64Array[], x0: Float64Array): number {
  const field = denseHostField(params, widths, ROWS, call);
  const sol = integ.solve((t, x) => { const y = new Float64Array(x.length); field.value(t, x, y); return y; }, x0, TIMES, {
    precision: 'float32',
    combine: (y, h, c, ks) => {
      const out = Float64Array.from(y);
      ks.forEach((k, j) => {
        if (c[j]) for (let i = 0; i < out.length; i++) out[i] += h * c[j]! * k[i]!;
      });
      return out;
    },
    scaledSquares: (xs, refs, tol) => scaledSquaresFlat(xs, refs, tol),
    errorSquares: (h, weights, ks, refs, tol) =>
      scaledSquaresFlat(weights.map((w) => { const e = new Float64Array(ks[0]!.length); ks.forEach((k, j) => { for (let i = 0; i < e.length; i++) e[i] += h * w[j]! * k[i]!; }); return e; }), refs, tol),
  });
  let loss = 0;
  sol.ys.forEach((y, i) => y.forEach((v, k) => (loss += v * lossWeights[i * y.length + k]!)));
  return loss;
}

test.before(async () => {
  await initBackend('cpu');
});

// Separable-only methods (leapfrog, yoshida4) never take the host path (its states are flat batches): backprop.ts skips it for them.
// The host tape records explicit steps: separable-only methods split states into halves, implicit ones run Newton on the tfjs tape.
const onHostTape = (n: string) => {
  const p = registry.get('integrator', n);
  return !p.requiresSeparable && !p.create(p.options.parse({}, 'integrator') as never).implicit;
};
for (const name of registry.names('integrator').filter(onHostTape)) {
  for (const timeDependent of [false, true]) {
    const label = `${name}${timeDependent ? ', f(x, t)' : ''}`;

    test.serial(`host backprop equals finite differences of the float64 discrete solve: ${label}`, (t) => {
      const integ = integratorOf(name);
      const net = stack(timeDependent);
      const call: DenseHostCall = { activation: 'tanh', inputTransform: 'cube', timeDependent };
      const field = net.hostField(ROWS, { inputTransform: 'cube', timeDependent })!;
      t.truthy(field, 'the cpu backend offers the host field');
      const got = gradients(net, (y0) => hostBackpropTrajectory({ func: () => { throw new Error('not used'); }, y0, t: TIMES, integrator: integ, params: net.variables }, field).ys);
      const widths = [2 + (timeDependent ? 1 : 0), 7, 2];
      const params = net.variables.map((v) => Float64Array.from(v.dataSync()));
      const x0 = Float64Array.from(y0Values);
      const eps = 1e-6;
      const fd = [x0, ...params].map((arr) =>
        Array.from(arr, (_, i) => {
          const keep = arr[i]!;
          arr[i] = keep + eps;
          const up = hostLoss(integ, widths, call, params, x0);
          arr[i] = keep - eps;
          const down = hostLoss(integ, widths, call, params, x0);
          arr[i] = keep;
          return (up - down) / (2 * eps);
        }),
      );
      const err = relativeDistance(flat(got), flat(fd));
      // float32 outputs of float64 gradients: about 1e-7; a wrong cotangent is off by order 1. With an adaptive
      // method the differences also see the step sizes move with the parameters (not differentiated): about rtol.
      t.true(err < (integ.adaptive ? 1e-4 : 1e-5), `relative distance ${err.toExponential(2)}`);
      net.dispose();
    });

    test.serial(`host backprop agrees with backprop on the tfjs tape: ${label}`, (t) => {
      const integ = integratorOf(name);
      const net = stack(timeDependent);
      const func = (tt: number, x: tf.Tensor) => net.apply(x, { inputTransform: 'cube', time: timeDependent ? tt : null });
      const hostField = (rows: number) => net.hostField(rows, { inputTransform: 'cube', timeDependent });
      const host = gradients(net, (y0) => backpropTrajectory({ func, y0, t: TIMES, integrator: integ, params: net.variables, hostField }).ys);
      const taped = gradients(net, (y0) => backpropTrajectory({ func, y0, t: TIMES, integrator: integ, params: net.variables }).ys);
      const err = relativeDistance(flat(host), flat(taped));
      // float64 against float32 arithmetic; adaptive methods may also place a step differently.
      t.true(err < (integ.adaptive ? 1e-3 : 1e-4), `relative distance ${err.toExponential(2)}`);
      net.dispose();
    });
  }
}

test.serial('the host field is offered on host backends with fused kernels only, and not for sizes wasm does better', async (t) => {
  const net = stack(false);
  t.truthy(net.hostField(20, { timeDependent: false }));
  setFusedKernels(false);
  t.is(net.hostField(20, { timeDependent: false }), null);
  setFusedKernels(true);
  await initBackend('wasm');
  t.truthy(net.hostField(20, { timeDependent: false }));
  // Large sizes: wasm's matMul without native kernels (kernels.ts), the host path with them.
  const before = setKernelMode('js');
  t.is(net.hostField(100_000, { timeDependent: false }), null);
  setKernelMode(before);
  if (nativeAvailable()) t.truthy(net.hostField(100_000, { timeDependent: false }));
  else t.log('native kernels absent: only the JavaScript/wasm routes are checked');
  await initBackend('cpu');
  net.dispose();
});
