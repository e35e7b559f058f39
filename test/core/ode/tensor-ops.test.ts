// The fused host kernel against the composite tfjs ops: same values, same gradients, on cpu and wasm.
import test from 'ava';
import { initBackend, tf } from 'odelab';
import { tensorOps } from 'odelab/plugin';
import { compositeCombine, deviceScaledSquares } from '../../../core/ode/tensor-ops.ts';
import { fusedCombine, onHostBackend, setFusedKernels } from '../../../core/tensor/fused-combine.ts';
import { scaledSquaresFlat } from '../../../core/ode/scaled-norm.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) =>
  Array.from(a).every((v, i) => Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)));

for (const backend of ['cpu', 'wasm'] as const) {
  test.serial(`${backend}: the fused combination equals the composite one, values and gradients`, async (t) => {
    await initBackend(backend);
    t.true(onHostBackend());
    tf.tidy(() => {
      const y = tf.tensor2d([[1, -2, 3], [0.5, 0, -1]]);
      const ks = [0, 1, 2, 3].map((i) => tf.tensor2d([[i, 2 * i, -i], [1, -1, i * i]]));
      const coeffs = [0.25, 0, -1.5, 2];
      t.true(close(fusedCombine(y, 0.1, coeffs, ks).dataSync(), compositeCombine(y, 0.1, coeffs, ks).dataSync(), 1e-6));
      const loss = (combine: typeof fusedCombine) => (yy: tf.Tensor, k0: tf.Tensor, k3: tf.Tensor) =>
        tf.sum(tf.square(combine(yy, 0.1, coeffs, [k0, ks[1]!, ks[2]!, k3]))) as tf.Scalar;
      const gf = tf.grads(loss(fusedCombine))([y, ks[0]!, ks[3]!]);
      const gc = tf.grads(loss(compositeCombine))([y, ks[0]!, ks[3]!]);
      gf.forEach((g, i) => t.true(close(g.dataSync(), gc[i]!.dataSync(), 1e-6), `gradient ${i}`));
    });
  });

  test.serial(`${backend}: the combination's backward pass is one kernel for all its stages`, async (t) => {
    await initBackend(backend);
    const y = tf.tensor2d([[1, -2], [0.5, 3]]);
    const ks = [1, 2, 3].map((i) => tf.tensor2d([[i, -i], [2 * i, 0.5]]));
    const before = tf.memory().numTensors;
    const kernels = async (fused: boolean) => {
      const loss = (...kk: tf.Tensor[]) => tf.sum(fusedCombine(y, 0.5, [1, -2, 0.25], kk)) as tf.Scalar;
      setFusedKernels(fused);
      try {
        return (await tf.profile(() => tf.tidy(() => void tf.grads(loss)(ks)))).kernels.map((k) => k.name);
      } finally {
        setFusedKernels(true);
      }
    };
    const [fused, perStage] = [await kernels(true), await kernels(false)];
    t.is(tf.memory().numTensors, before);
    t.is(fused.filter((n) => n === 'OdelabRkCombineGrad').length, 1);
    // Without the kernel, one Multiply per stage.
    const multiplies = (names: string[]) => names.filter((n) => n === 'Multiply').length;
    t.is(multiplies(perStage) - multiplies(fused), 3, `${fused} vs ${perStage}`);
    tf.dispose([y, ...ks]);
  });

  test.serial(`${backend}: host and device error norms agree, and both see non-finite states`, async (t) => {
    await initBackend(backend);
    tf.tidy(() => {
      const tol = { rtol: [1e-3, 1e-2, 1e-1], atol: 1e-6 };
      const x = tf.tensor2d([[1e-3, 2e-3, -1e-2], [5e-4, 0, 1e-3]]);
      const refs = [tf.tensor2d([[1, -2, 3], [0.5, 0, -1]]), tf.tensor2d([[1.1, -2, 2.5], [0.4, 0.1, -1]])];
      const device = deviceScaledSquares([x], refs, tol);
      const hostNorm = tensorOps.scaledSquares([x], refs, tol);
      t.true(close(device.sums, hostNorm.sums, 1e-5));
      t.is(hostNorm.count, 6);
      t.true(hostNorm.finite && device.finite);
      const bad = [tf.tensor2d([[1, Infinity, 3], [0.5, 0, -1]])];
      t.false(tensorOps.scaledSquares([x], bad, tol).finite);
      t.false(deviceScaledSquares([x], bad, tol).finite);
      t.false(scaledSquaresFlat([Float64Array.of(NaN)], [Float64Array.of(1)], { rtol: 1, atol: 1 }).finite);
    });
  });
}
