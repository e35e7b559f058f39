// The fused Adam update equals tfjs's AdamOptimizer step by step; the one-cycle schedule follows PyTorch's OneCycleLR.
import test from 'ava';
import { tf } from '../../../core/tensor/tf.ts';
import { initBackend } from '../../../core/tensor/backend.ts';
import { setFusedKernels } from '../../../core/tensor/fused-combine.ts';
import { createOptimizer, learningRateAt } from '../../../core/train/optimizers.ts';

const ADAM = { name: 'adam' as const, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

for (const backend of ['cpu', 'wasm'] as const) {
  test.serial(`fused Adam matches tfjs Adam over 5 steps with a changing learning rate (${backend})`, async (t) => {
    await initBackend(backend);
    const init = [1, -2, 3, 0.5, -0.25, 4];
    const run = (fused: boolean) => {
      setFusedKernels(fused);
      const v = tf.variable(tf.tensor2d(init, [2, 3]), true, `adam-${backend}-${fused}`);
      const opt = createOptimizer(ADAM, 0.1);
      for (let k = 0; k < 5; k++) {
        opt.setLearningRate(0.1 / (k + 1));
        tf.tidy(() => opt.optimizer.applyGradients({ [v.name]: tf.mul(tf.sin(v), k + 1) }));
      }
      const out = Array.from(v.dataSync());
      opt.dispose();
      v.dispose();
      setFusedKernels(true);
      return out;
    };
    // The fused path leaves no more tensors behind than tfjs's own optimizer (its base class keeps one).
    const before = tf.memory().numTensors;
    const fused = run(true);
    const afterFused = tf.memory().numTensors;
    const plain = run(false);
    t.is(afterFused - before, tf.memory().numTensors - afterFused);
    // Equal up to float32 rounding (tfjs rounds each intermediate; the kernel only the results).
    fused.forEach((x, i) => t.true(Math.abs(x - plain[i]!) < 1e-5 * Math.max(1, Math.abs(x)), `${i}: ${x} vs ${plain[i]}`));
    t.notDeepEqual(fused, init);
  });
}

test('one-cycle: warm-up from lr/divFactor to lr, then down to lr/(divFactor·finalDivFactor) (PyTorch OneCycleLR)', (t) => {
  const sched = { name: 'one-cycle' as const, pctStart: 0.3, divFactor: 25, finalDivFactor: 1e4 };
  const total = 1000;
  const at = (step: number) => learningRateAt(sched, 1e-3, step, total);
  t.true(Math.abs(at(0) - 4e-5) < 1e-12);
  t.true(Math.abs(at(299) - 1e-3) < 1e-9);
  t.true(Math.abs(at(999) - 4e-9) < 1e-15);
  t.true(at(150) > at(100) && at(600) < at(400));
  // Halfway through the warm-up, the cosine is halfway between its ends.
  t.true(Math.abs(at(149.5) - (4e-5 + 1e-3) / 2) < 1e-9);
});
