/**
 * The adjoint with an implicit backward solve on stored states
 * (core/ode/stiff-adjoint.ts), on a stiff system where the fast mode is a
 * thousand times faster than the slow one: gradients against float64 finite
 * differences of a tight radau5 solution, and against backprop through the
 * same implicit forward solve.
 */
import test from 'ava';
import { ConfigError, initBackend, odeint64, odeintAdjointWithStats, odeintWithStats, tf } from 'odelab';

test.before(async () => {
  await initBackend('cpu');
});

const C = 1000; // the fast relaxation rate: x2 follows sin(x1) on a time scale of 1/C
const T = [0, 0.5, 1, 1.5, 2];
const W = [[0, 0], [0.3, -0.2], [0.5, 0.1], [-0.4, 0.6], [0.7, 0.9]];
const p0 = [1, 0.5, 0.3]; // a, b, x1(0)

function loss64(a: number, b: number, x10: number): number {
  const f = (_t: number, x: Float64Array) => Float64Array.of(-a * x[0]! + b * x[1]!, -C * (x[1]! - Math.sin(x[0]!)));
  const ys = odeint64(f, [x10, Math.sin(x10)], T, { method: 'radau5', rtol: 1e-12, atol: 1e-14 }).ys;
  return ys.reduce((acc, y, i) => acc + W[i]![0]! * y[0]! + W[i]![1]! * y[1]!, 0);
}

const reference = p0.map((_, k) => {
  const h = 1e-6;
  const up = p0.slice();
  const down = p0.slice();
  up[k]! += h;
  down[k]! -= h;
  return (loss64(...(up as [number, number, number])) - loss64(...(down as [number, number, number]))) / (2 * h);
});

function gradients(strategy: 'adjoint' | 'backprop', method: string, step: number, adjointMethod?: string) {
  const a = tf.variable(tf.scalar(p0[0]!));
  const b = tf.variable(tf.scalar(p0[1]!));
  const x10 = tf.variable(tf.scalar(p0[2]!));
  const func = (_t: number, x: tf.Tensor) =>
    tf.tidy(() => {
      const [x1, x2] = tf.split(x, 2, 1);
      return tf.concat([tf.add(tf.mul(tf.neg(a), x1!), tf.mul(b, x2!)), tf.mul(tf.sub(x2!, tf.sin(x1!)), -C)], 1);
    });
  let stats: { forward: unknown; backward?: unknown } = { forward: undefined };
  const { grads } = tf.variableGrads(() => {
    const y0 = tf.reshape(tf.stack([x10, tf.sin(x10)]), [1, 2]);
    const res =
      strategy === 'adjoint'
        ? odeintAdjointWithStats(func, y0, T, { method, step, params: [a, b], ...(adjointMethod ? { adjointMethod } : {}) })
        : odeintWithStats(func, y0, T, { method, step });
    stats = res as never;
    return tf.sum(tf.mul(tf.reshape(res.ys, [T.length, 2]), tf.tensor2d(W))) as tf.Scalar;
  }, [a, b, x10]);
  const out = [a, b, x10].map((v) => grads[v.name]!.dataSync()[0]!);
  tf.dispose([a, b, x10, ...Object.values(grads)]);
  return { grads: out, stats };
}

const close = (got: number[], want: number[], rel: number) => got.every((g, i) => Math.abs(g - want[i]!) <= rel * Math.max(1e-2, Math.abs(want[i]!)));

test('trapezoid forward and backward (stored states): the gradient of a stiff system to O(h²)', (t) => {
  const { grads, stats } = gradients('adjoint', 'trapezoid', 0.01);
  t.true(close(grads, reference, 2e-3), `${grads} vs ${reference}`);
  const backward = stats.backward as { njev: number; steps: number };
  t.is(backward.steps, 200, 'one backward step per forward step');
  t.true(backward.njev > 0);
  // Backprop through the same forward solve agrees to the discretisation error too.
  const bp = gradients('backprop', 'trapezoid', 0.01);
  t.true(close(bp.grads, reference, 2e-3), `backprop ${bp.grads} vs ${reference}`);
});

test('implicit-euler backward is first order: its error halves with the step', (t) => {
  const coarse = gradients('adjoint', 'implicit-euler', 0.02).grads;
  const fine = gradients('adjoint', 'implicit-euler', 0.01).grads;
  const err = (g: number[]) => Math.max(...g.map((v, i) => Math.abs(v - reference[i]!)));
  t.true(err(fine) < 0.03 * Math.max(...reference.map(Math.abs)), `error ${err(fine)}`);
  const ratio = err(coarse) / err(fine);
  t.true(ratio > 1.6 && ratio < 2.5, `error ratio ${ratio}`);
});

test('an implicit backward method chosen for an explicit forward solve runs on its accepted steps', (t) => {
  // dopri5 forward must resolve the fast scale (stiff for it), but the backward λ solve is implicit.
  const a = tf.variable(tf.scalar(1));
  const v = (_t: number, x: tf.Tensor) => tf.mul(x, tf.neg(a));
  const { grads } = tf.variableGrads(() => {
    const res = odeintAdjointWithStats(v, tf.tensor2d([[1]]), [0, 1], { method: 'dopri5', rtol: 1e-7, atol: 1e-9, params: [a], adjointMethod: 'trapezoid' });
    return tf.sum(res.ys.slice([1], [1])) as tf.Scalar;
  }, [a]);
  // d/da e^{-a} = -e^{-1}
  t.true(Math.abs(grads[a.name]!.dataSync()[0]! + Math.exp(-1)) < 1e-3);
  tf.dispose([a, ...Object.values(grads)]);
  t.throws(
    () => odeintAdjointWithStats(v, tf.tensor2d([[1]]), [0, 1], { method: 'trapezoid', step: 0.1, params: [], adjointMethod: 'trapezoid', adjointRtol: 1e-3 }),
    { instanceOf: ConfigError },
  );
});
