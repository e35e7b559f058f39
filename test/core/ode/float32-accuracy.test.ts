/**
 * Float32 tensor solves are as accurate as the tolerance allows: at every
 * rtol ≥ 1e-7 the float32 path's worst relative error over the output times
 * is within 2× of the float64 path's, with function evaluations within 10%
 * (issue 19 item 1).
 *
 * The problems (scripts/bench/precision-problems.ts, float64 references in
 * test/fixtures/reference) are chosen so that float32 rounding is not the
 * floor at these tolerances: float32-representable initial states, and spans
 * over which the float64 error at rtol 1e-7 (1e-6 .. 6e-4) stays well above
 * what float32 rounding alone leaves (a solve at rtol 1e-8 on the float32
 * path, checked below too). rtol 1e-3 and 1e-4 are left out: there the
 * errors are O(0.01..1) and follow the exact step sequence, which any
 * perturbation (float32's or another compiler's) reorders.
 *
 * Before the fix the fused combination rounded every partial sum to float32
 * and the state's own rounding accumulated over the steps: on the
 * close-approach orbit the float32 error at rtol 1e-7 was 10-20× float64's.
 */
import test from 'ava';
import { initBackend, tf } from 'odelab';
import { fusedCombine } from '../../../core/tensor/fused-combine.ts';
import { measurePoint } from '../../../scripts/bench/precision.ts';
import { precisionProblems } from '../../../scripts/bench/precision-problems.ts';

// The solves run on cpu; the kernel test below switches backends, so every test is serial.
test.beforeEach(async () => {
  await initBackend('cpu');
});

const RTOLS = [1e-5, 1e-6, 1e-7];
const METHOD = 'dopri5';

for (const p of precisionProblems()) {
  test.serial(`${p.name}: float32 ${METHOD} is within 2× of float64's error and 10% of its nfe at rtol 1e-5..1e-7`, (t) => {
    for (const rtol of RTOLS) {
      const f64 = measurePoint(p, METHOD, 'float64', rtol);
      const f32 = measurePoint(p, METHOD, 'float32', rtol);
      const what = `rtol ${rtol}: float32 error ${f32.error.toExponential(2)} (nfe ${f32.nfe}), float64 ${f64.error.toExponential(2)} (nfe ${f64.nfe})`;
      t.log(what);
      t.true(f32.error <= 2 * f64.error, what);
      t.true(Math.abs(f32.nfe / f64.nfe - 1) <= 0.1, what);
    }
  });
}

test.serial('kepler-close: at rtol 1e-8 float32 keeps gaining accuracy (the state rounding does not accumulate)', (t) => {
  const p = precisionProblems().find((x) => x.name === 'kepler-close')!;
  const f64 = measurePoint(p, METHOD, 'float64', 1e-8);
  const f32 = measurePoint(p, METHOD, 'float32', 1e-8);
  t.log(`float32 ${f32.error.toExponential(2)}, float64 ${f64.error.toExponential(2)}`);
  // Before the fix: 8.6e-3 (worse than at rtol 1e-7); now 2.3e-4 (float64: 6.6e-5).
  t.true(f32.error < 1e-3, `float32 error at rtol 1e-8: ${f32.error}`);
});

for (const backend of ['cpu', 'wasm'] as const) {
  test.serial(`${backend}: the fused combination rounds y + Σ c_j k_j once, and carries the rounding to the next combination`, async (t) => {
    await initBackend(backend);
    // y = 1: its ulp is 1.2e-7. Eight increments of 0.4 ulp each: added one by one in float32 each
    // rounds away (1 + 0.4 ulp → 1), added as one sum they make 3.2 ulp.
    const ulp = 2 ** -23;
    const y = tf.tensor1d([1, -1, 1024]);
    const k = tf.tensor1d([0.4 * ulp, -0.4 * ulp, 0.4 * ulp * 1024]);
    const ks = Array.from({ length: 8 }, () => k);
    const y1 = fusedCombine(y, 1, Array(8).fill(1), ks);
    const exact = [1 + 3.2 * ulp, -1 - 3.2 * ulp, 1024 + 3.2 * ulp * 1024];
    const got = Array.from(y1.dataSync());
    got.forEach((v, i) => t.is(v, Math.fround(exact[i]!), `component ${i}`));
    // The 0.2 ulp that float32 could not hold comes back in the next combination: adding 0.4 ulp
    // gives 3 + 0.2 + 0.4 = 3.6 ulp → 4 ulp; without the carry 3.4 ulp would round back to 3.
    const k2 = tf.tensor1d([0.2 * ulp, -0.2 * ulp, 0.2 * ulp * 1024]);
    const y2 = fusedCombine(y1, 1, [1, 1], [k2, k2]);
    const want = [1 + 4 * ulp, -1 - 4 * ulp, 1024 + 4 * ulp * 1024];
    t.deepEqual(Array.from(y2.dataSync()), want);
    tf.dispose([y, k, y1, k2, y2]);
  });
}
