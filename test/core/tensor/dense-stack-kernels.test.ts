// The fused dense stack against the composite tfjs ops and against float64 finite differences, on cpu and wasm.
import test from 'ava';
import { initBackend, Rng, tf } from 'odelab';
import {
  ACTIVATIONS,
  compositeDenseStack,
  denseStack,
  setFusedKernels,
  type Activation,
  type DenseStackCall,
} from '../../../core/tensor/dense-stack-kernels.ts';
import { onHostBackend } from '../../../core/tensor/fused-combine.ts';
import { DenseStack } from '../../../core/nn/dense-stack.ts';
import { nativeAvailable, setKernelMode } from '../../../core/tensor/kernels.ts';

type Stack = typeof denseStack;

/** max |a - b| ≤ tol · max(1, max |b|): relative to the tensor's scale, so cancellation in one entry is no failure. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  const scale = Math.max(1, ...Array.from(b, Math.abs));
  return a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]!) <= tol * scale);
}

/** Weights and biases for these widths, float32-exact (so float64 references see the same numbers). */
function parameters(widths: readonly number[], seed: number): { ws: number[][]; bs: number[][] } {
  const rng = new Rng(seed);
  const ws: number[][] = [];
  const bs: number[][] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const [nIn, nOut] = [widths[l]!, widths[l + 1]!];
    ws.push(Array.from({ length: nIn * nOut }, () => Math.fround((0.9 * rng.normal()) / Math.sqrt(nIn))));
    bs.push(Array.from({ length: nOut }, () => Math.fround(0.2 * rng.normal())));
  }
  return { ws, bs };
}

function tensors(widths: readonly number[], seed: number): { ws: tf.Tensor2D[]; bs: tf.Tensor1D[] } {
  const p = parameters(widths, seed);
  return {
    ws: p.ws.map((w, l) => tf.tensor2d(w, [widths[l]!, widths[l + 1]!])),
    bs: p.bs.map((b) => tf.tensor1d(b)),
  };
}

const batchOf = (rows: number, cols: number, seed: number) => {
  const rng = new Rng(seed);
  return Array.from({ length: rows * cols }, () => Math.fround(rng.range(-1.5, 1.5)));
};

/** Loss sum(out²) and its gradients wrt x and every weight and bias. */
function lossGrads(stack: Stack, x: tf.Tensor, ws: tf.Tensor[], bs: tf.Tensor[], o: DenseStackCall): tf.Tensor[] {
  const n = ws.length;
  const loss = (...args: tf.Tensor[]) => tf.sum(tf.square(stack(args[0]!, args.slice(1, 1 + n), args.slice(1 + n), o))) as tf.Scalar;
  return tf.grads(loss)([x, ...ws, ...bs]);
}

const cases = ACTIVATIONS.flatMap((activation) =>
  (['none', 'cube'] as const).flatMap((inputTransform) =>
    [null, 0.7].flatMap((time) => [[6], [6, 5]].map((hidden) => ({ activation, inputTransform, time, hidden }))),
  ),
);

for (const backend of ['cpu', 'wasm'] as const) {
  test.serial(`${backend}: the fused stack equals the composite one, values and gradients, in every configuration`, async (t) => {
    await initBackend(backend);
    t.true(onHostBackend());
    for (const { activation, inputTransform, time, hidden } of cases) {
      const name = `${activation}, ${inputTransform}, time ${time}, hidden [${hidden}]`;
      tf.tidy(() => {
        const widths = [2 + (time === null ? 0 : 1), ...hidden, 2];
        const { ws, bs } = tensors(widths, 11 + hidden.length);
        const x = tf.tensor2d(batchOf(5, 2, 3), [5, 2]);
        const o: DenseStackCall = { activation, inputTransform, time };
        t.true(close(denseStack(x, ws, bs, o).dataSync(), compositeDenseStack(x, ws, bs, o).dataSync(), 1e-5), `forward: ${name}`);
        const fused = lossGrads(denseStack, x, ws, bs, o);
        const composite = lossGrads(compositeDenseStack, x, ws, bs, o);
        fused.forEach((g, i) => t.true(close(g.dataSync(), composite[i]!.dataSync(), 1e-5), `gradient ${i}: ${name}`));
      });
    }
  });

  test.serial(`${backend}: gradients match float64 central differences`, async (t) => {
    await initBackend(backend);
    for (const activation of ['tanh', 'softplus', 'sigmoid', 'elu', 'relu'] as const) {
      const widths = [3, 4, 3, 2];
      const time = 0.3;
      const p = parameters(widths, 5);
      const xs = batchOf(2, 2, 8);
      const o: DenseStackCall = { activation, inputTransform: 'cube', time };
      const loss64 = (v: number[]) => reference64(v, widths, activation, time);
      const flat = [...xs, ...p.ws.flat(), ...p.bs.flat()];
      const fd = flat.map((_, i) => {
        const h = 1e-6 * Math.max(1, Math.abs(flat[i]!));
        const up = flat.slice();
        const down = flat.slice();
        up[i]! += h;
        down[i]! -= h;
        return (loss64(up) - loss64(down)) / (2 * h);
      });
      const analytic = tf.tidy(() => {
        const { ws, bs } = tensors(widths, 5);
        const gs = lossGrads(denseStack, tf.tensor2d(xs, [2, 2]), ws, bs, o);
        // Order as `flat`: x, then every weight, then every bias.
        return gs.flatMap((g) => Array.from(g.dataSync()));
      });
      t.true(close(analytic, fd, 2e-5), `${activation}: ${analytic.map((v, i) => (v - fd[i]!).toExponential(1))}`);
    }
  });

  test.serial(`${backend}: one kernel forward, one backward, and no tensor left behind`, async (t) => {
    await initBackend(backend);
    const { ws, bs } = tensors([3, 8, 2], 2);
    const x = tf.tensor2d(batchOf(4, 2, 1), [4, 2]);
    const o: DenseStackCall = { activation: 'tanh', inputTransform: 'cube', time: 0.1 };
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => tf.tidy(() => void lossGrads(denseStack, x, ws, bs, o)));
    t.is(tf.memory().numTensors, before);
    const names = profile.kernels.map((k) => k.name);
    t.is(names.filter((n) => n === 'OdelabDenseStack').length, 1);
    t.is(names.filter((n) => n === 'OdelabDenseStackGrad').length, 1);
    t.false(names.some((n) => ['BatchMatMul', 'Tanh', 'Concat', 'Fill'].includes(n)), names.join());
    // Outside a tidy: the output is the only tensor made.
    denseStack(x, ws, bs, o).dispose();
    t.is(tf.memory().numTensors, before);
    tf.dispose([x, ...ws, ...bs]);
  });

  test.serial(`${backend}: DenseStack.apply with a transform and time, fused and composite, through tf.variableGrads`, async (t) => {
    await initBackend(backend);
    const net = new DenseStack({ widths: [3, 7, 2], activation: 'softplus', init: 'glorot-uniform', rng: new Rng(4), name: `fused-test-${backend}` });
    const x = tf.tensor2d(batchOf(6, 2, 9), [6, 2]);
    const run = (fused: boolean) => {
      setFusedKernels(fused);
      try {
        return tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(net.apply(x, { inputTransform: 'cube', time: 0.25 }))) as tf.Scalar, net.variables);
          return [value, ...net.variables.map((v) => grads[v.name]!)].map((g) => Array.from(g.dataSync()));
        });
      } finally {
        setFusedKernels(true);
      }
    };
    const [fused, composite] = [run(true), run(false)];
    fused.forEach((g, i) => t.true(close(g, composite[i]!, 1e-5), `output ${i}`));
    net.dispose();
    x.dispose();
  });

  test.serial(`${backend}: a differentiated backward pass (second order) takes the composite path and agrees`, async (t) => {
    await initBackend(backend);
    tf.tidy(() => {
      const { ws, bs } = tensors([2, 5, 2], 6);
      const x = tf.tensor2d(batchOf(3, 2, 4), [3, 2]);
      const o: DenseStackCall = { activation: 'tanh', inputTransform: 'cube' };
      const second = (stack: Stack) =>
        tf.grad((xx: tf.Tensor) => tf.sum(tf.square(tf.grad((y: tf.Tensor) => tf.sum(tf.square(stack(y, ws, bs, o))))(xx))))(x);
      t.true(close(second(denseStack).dataSync(), second(compositeDenseStack).dataSync(), 1e-4));
    });
  });

  test.serial(`${backend}: a wide network ${backend === 'wasm' ? 'takes the composite ops (faster there)' : 'stays fused'}`, async (t) => {
    await initBackend(backend);
    const { ws, bs } = tensors([2, 200, 2], 3);
    const x = tf.tensor2d(batchOf(20, 2, 2), [20, 2]);
    const o: DenseStackCall = { activation: 'tanh' };
    // Without native kernels (kernels.ts), the JavaScript/wasm routes.
    const before = setKernelMode('js');
    try {
      const profile = await tf.profile(() => tf.tidy(() => void denseStack(x, ws, bs, o)));
      t.is(profile.kernels.some((k) => k.name === 'OdelabDenseStack'), backend === 'cpu');
      tf.tidy(() => t.true(close(denseStack(x, ws, bs, o).dataSync(), compositeDenseStack(x, ws, bs, o).dataSync(), 1e-5)));
    } finally {
      setKernelMode(before);
    }
    // With them, the host path at every size (large products go to dgemm).
    if (nativeAvailable()) {
      const profile = await tf.profile(() => tf.tidy(() => void denseStack(x, ws, bs, o)));
      t.true(profile.kernels.some((k) => k.name === 'OdelabDenseStack'));
    } else t.log('native kernels absent: only the JavaScript/wasm routes are checked');
    tf.dispose([x, ...ws, ...bs]);
  });

  test.serial(`${backend}: shapes that do not chain raise tfjs's own error`, async (t) => {
    await initBackend(backend);
    tf.tidy(() => {
      const { ws, bs } = tensors([3, 4, 2], 1);
      t.throws(() => denseStack(tf.zeros([2, 2]), ws, bs, { activation: 'relu' }));
    });
  });
}

/** sum(out²) in float64 with plain loops, from [x (2×2), weights..., biases...] flattened; input cubed, time appended. */
function reference64(v: number[], widths: readonly number[], activation: Activation, time: number): number {
  const act = (z: number): number => {
    switch (activation) {
      case 'tanh': return Math.tanh(z);
      case 'relu': return Math.max(z, 0);
      case 'softplus': return Math.log(1 + Math.exp(z));
      case 'sigmoid': return 1 / (1 + Math.exp(-z));
      case 'elu': return z >= 0 ? z : Math.exp(z) - 1;
      case 'linear': return z;
    }
  };
  let offset = 4;
  const ws = widths.slice(1).map((nOut, l) => v.slice(offset, (offset += widths[l]! * nOut)));
  const bs = widths.slice(1).map((nOut) => v.slice(offset, (offset += nOut)));
  let total = 0;
  for (let r = 0; r < 2; r++) {
    let h = [v[2 * r]! ** 3, v[2 * r + 1]! ** 3, time];
    ws.forEach((w, l) => {
      const nOut = widths[l + 1]!;
      const z = bs[l]!.map((b, o) => b + h.reduce((s, hi, i) => s + hi * w[i * nOut + o]!, 0));
      h = l + 1 < ws.length ? z.map(act) : z;
    });
    total += h.reduce((s, y) => s + y * y, 0);
  }
  return total;
}
