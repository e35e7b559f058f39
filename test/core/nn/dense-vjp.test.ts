// The MLP's tape-free vector-Jacobian product equals the tape's, on both host backends, and the adjoint uses it.
import test from 'ava';
import { Rng, initBackend, tf } from 'odelab';
import { DenseStack } from '../../../core/nn/dense-stack.ts';

const close = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).every((v, i) => Math.abs(v - b[i]!) <= 1e-5 * (1 + Math.abs(b[i]!)));

for (const backend of ['cpu', 'wasm'] as const) {
  for (const time of [null, 0.7]) {
    test.serial(`${backend}: DenseStack.vjp matches tf.grads${time === null ? '' : ' (time-dependent)'}`, async (t) => {
      await initBackend(backend);
      const net = new DenseStack({ widths: [time === null ? 2 : 3, 7, 5, 2], activation: 'tanh', init: 'glorot-uniform', rng: new Rng(4), name: `vjp-${backend}-${time}` });
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.tensor2d([[0.3, -1.2], [0.8, 0.5], [-0.4, 0.1]]);
        const c = tf.tensor2d([[1, -2], [0.5, 0.25], [-1, 3]]);
        const options = { inputTransform: 'cube' as const, time };
        const fast = net.vjp(x, c, options);
        const ref = tf.grads((xx: tf.Tensor, ...vs: tf.Tensor[]) => {
          void vs;
          return tf.sum(tf.mul(net.apply(xx, options), c)) as tf.Scalar;
        })([x, ...net.variables]);
        t.true(close(fast.value.dataSync(), net.apply(x, options).dataSync()), 'value');
        t.true(close(fast.dx.dataSync(), ref[0]!.dataSync()), 'dx');
        fast.dParams.forEach((g, i) => t.true(close(g.dataSync(), ref[i + 1]!.dataSync()), `param ${i}`));
      });
      t.is(tf.memory().numTensors, before);
      net.dispose();
    });
  }
}
