// Implicit methods for stiff systems (issue 21 item 3): implicit-euler, trapezoid, radau5.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ConfigError, initBackend, NumericalError, odeint64, odeintWithStats, tf } from 'odelab';
import { robertsonField, robertsonJacobian } from '../../../plugins/systems/robertson.ts';
import { vanDerPolField } from '../../../plugins/systems/van-der-pol-stiff.ts';
import { springChain, springChainField } from '../../../plugins/systems/stiff-spring-chain.ts';

test.before(async () => {
  await initBackend('cpu');
});

// y' = y cos t, y(0) = 1: y(t) = exp(sin t).
const f = (t: number, y: Float64Array) => Float64Array.from(y, (v) => v * Math.cos(t));
const exact = (t: number) => Math.exp(Math.sin(t));

for (const [method, order] of [['implicit-euler', 1], ['trapezoid', 2]] as const) {
  test(`${method} converges at order ${order}`, (t) => {
    const errorAt = (step: number) => {
      const r = odeint64(f, [1], [0, 1, 2], { method, step });
      t.is(r.stats.steps, Math.round(2 / step));
      t.is(r.stats.njev, r.stats.steps, 'one Jacobian per step (Newton converges fast here)');
      return Math.abs(r.ys[2]![0]! - exact(2));
    };
    const observed = Math.log2(errorAt(0.01) / errorAt(0.005));
    t.true(Math.abs(observed - order) < 0.2, `observed order ${observed.toFixed(3)}`);
  });
}

test('radau5 is of order 5: error against accepted steps as the tolerance tightens', (t) => {
  const runs = [1e-6, 1e-8, 1e-10].map((rtol) => {
    const r = odeint64(f, [1], [0, 10], { method: 'radau5', rtol, atol: rtol });
    return { steps: r.stats.steps, err: Math.abs(r.ys[1]![0]! - exact(10)) };
  });
  const slope = -Math.log(runs[2]!.err / runs[0]!.err) / Math.log(runs[2]!.steps / runs[0]!.steps);
  t.true(slope > 4 && slope < 6.5, `observed order ${slope.toFixed(2)} from ${JSON.stringify(runs)}`);
  t.true(runs[2]!.err < 1e-8, `error at rtol 1e-10: ${runs[2]!.err}`);
});

const robertsonRef = JSON.parse(readFileSync(new URL('../../fixtures/robertson-reference.json', import.meta.url), 'utf8')) as { t: number[]; y: number[][] };

for (const [label, extra] of [['finite-difference', {}], ['exact', { jacobian: robertsonJacobian() }]] as const) {
  test(`radau5 (${label} Jacobian) matches SciPy Radau's Robertson reference to t = 1e5 within the tolerance`, (t) => {
    const rtol = 1e-8;
    const atol = 1e-14;
    const r = odeint64(robertsonField(), [1, 0, 0], robertsonRef.t, { method: 'radau5', rtol, atol, ...extra });
    robertsonRef.y.forEach((ref, i) => {
      const y = r.ys[i]!;
      ref.forEach((v, j) => {
        const e = Math.abs(y[j]! - v) / (atol + rtol * Math.abs(v));
        t.true(e < 20, `t = ${robertsonRef.t[i]}, y${j + 1}: error ${e.toFixed(2)} × tolerance`);
      });
      t.true(Math.abs(y[0]! + y[1]! + y[2]! - 1) < 1e-12, 'mass is conserved');
    });
    t.true(r.stats.steps < 1500, `${r.stats.steps} steps`);
    t.true((r.stats.njev ?? 0) > 0 && (r.stats.njev ?? 0) < r.stats.steps, 'Jacobians are reused across steps');
    t.true((r.stats.nlu ?? 0) > 0);
  });
}

test('Van der Pol μ = 1000 over two periods: radau5 in a few hundred steps, dopri5 runs out of steps', (t) => {
  const vdp = vanDerPolField(1000);
  const r = odeint64(vdp, [2, 0], [0, 3000], { method: 'radau5', rtol: 1e-6, atol: 1e-6 });
  t.true(r.stats.steps < 2000, `${r.stats.steps} steps`);
  // SciPy Radau at rtol 1e-12: x(3000) ≈ -1.5106077.
  t.true(Math.abs(r.ys[1]![0]! + 1.5106077) < 1e-4, `x(3000) = ${r.ys[1]![0]}`);
  const e = t.throws(() => odeint64(vdp, [2, 0], [0, 3000], { method: 'dopri5', rtol: 1e-6, atol: 1e-6, maxSteps: 20000 }), { instanceOf: NumericalError });
  t.regex(e!.message, /maximum number of steps \(20000\)/);
});

test('stiff spring chain: radau5 agrees with dopri8 and takes far fewer steps than dopri5', (t) => {
  const chain = springChainField(springChain({ n: 5, m: 1, kSoft: 1, kStiff: 1e4, stiffAt: 2, damping: 0.1, stiffDamping: 1000 }));
  // Masses 2 and 3 (the stiff spring's ends) displaced alike: the stiff mode is barely excited.
  const y0 = [0.3, -0.2, -0.2, 0.4, -0.1, 0, 0, 0, 0, 0];
  const ref = odeint64(chain, y0, [0, 5], { method: 'dopri8', rtol: 1e-12, atol: 1e-12 }).ys[1]!;
  const r = odeint64(chain, y0, [0, 5], { method: 'radau5', rtol: 1e-6, atol: 1e-8 });
  const d = odeint64(chain, y0, [0, 5], { method: 'dopri5', rtol: 1e-6, atol: 1e-8 });
  const err = Math.max(...Array.from(ref, (v, i) => Math.abs(v - r.ys[1]![i]!)));
  t.true(err < 1e-4, `max error ${err}`);
  t.true(r.stats.steps < d.stats.steps, `radau5 ${r.stats.steps} steps, dopri5 ${d.stats.steps}`);
});

test('implicit-euler is L-stable: a very stiff linear decay with h λ = -1e6 stays bounded and decays', (t) => {
  const r = odeint64((_t, y) => Float64Array.of(-1e6 * (y[0]! - Math.cos(_t))), [2], [0, 1], { method: 'implicit-euler', step: 0.1 });
  t.true(Math.abs(r.ys[1]![0]! - Math.cos(1)) < 1e-5, `y(1) = ${r.ys[1]![0]}`);
});

test('radau5 on tensors is a ConfigError naming float64', (t) => {
  const e = t.throws(() => odeintWithStats((_t, y) => tf.neg(y), tf.ones([1, 2]), [0, 1], { method: 'radau5' }), { instanceOf: ConfigError });
  t.regex(e!.message, /float64 states only/);
});

test('a jacobian option that is not a function is a ConfigError', (t) => {
  t.throws(() => odeint64(f, [1], [0, 1], { method: 'radau5', jacobian: 3 as never }), { instanceOf: ConfigError, message: /jacobian must be a function/ });
});

// Backprop through implicit Euler's Newton iterations on tensors against central differences of the
// same discrete scheme in float64: y' = -k y³ + sin t, loss = Σ y(1)².
for (const method of ['implicit-euler', 'trapezoid'] as const) {
  test(`${method}: gradients by backprop on tensors match finite differences of the float64 scheme`, (t) => {
    const step = 0.1;
    const y0 = [0.8, -1.2];
    const k0 = 3;
    const loss64 = (k: number, start: number[]) => {
      const r = odeint64((tt, y) => Float64Array.from(y, (v) => -k * v ** 3 + Math.sin(tt)), start, [0, 1], { method, step });
      return r.ys[1]!.reduce((a, v) => a + v * v, 0);
    };
    const k = tf.variable(tf.scalar(k0));
    const y = tf.variable(tf.tensor2d([y0]));
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(tf.square(tf.gather(odeintWithStats((tt, z) => tf.add(tf.mul(tf.neg(k), tf.pow(z, 3)), Math.sin(tt)), y, [0, 1], { method, step }).ys, 1))) as tf.Scalar,
    );
    t.true(Math.abs(value.dataSync()[0]! - loss64(k0, y0)) < 1e-4, `same forward value: ${value.dataSync()[0]} vs ${loss64(k0, y0)}`);
    const eps = 1e-6;
    const dk = (loss64(k0 + eps, y0) - loss64(k0 - eps, y0)) / (2 * eps);
    const dy = y0.map((_, i) => {
      const up = [...y0];
      const down = [...y0];
      up[i]! += eps;
      down[i]! -= eps;
      return (loss64(k0, up) - loss64(k0, down)) / (2 * eps);
    });
    const gk = grads[k.name]!.dataSync()[0]!;
    const gy = Array.from(grads[y.name]!.dataSync());
    t.true(Math.abs(gk - dk) < 1e-3 * Math.max(1, Math.abs(dk)), `d/dk: backprop ${gk}, differences ${dk}`);
    gy.forEach((g, i) => t.true(Math.abs(g - dy[i]!) < 1e-3 * Math.max(1, Math.abs(dy[i]!)), `d/dy0[${i}]: backprop ${g}, differences ${dy[i]}`));
    tf.dispose([k, y, value, ...Object.values(grads)]);
  });
}
