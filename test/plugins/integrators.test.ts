// Every registered integrator, from the registry itself (no hand-kept list).
import test from 'ava';
import { initBackend, odeint64, odeintWithStats, tf } from 'odelab';
import { float64Ops, tensorOps } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { referenceProblems, relativeError } from '../helpers/problems.ts';

const registry = createRegistry();
// Separable-only methods (leapfrog, yoshida4) need a state (q, q̇) with q̈(q): tested in test/core/ode/symplectic.test.ts.
const separable = registry.list('integrator').filter((p) => p.requiresSeparable);
const fixed = registry.list('integrator').filter((p) => !p.adaptive && !p.requiresSeparable);
const adaptive = registry.list('integrator').filter((p) => p.adaptive);
// Methods that run on float64 states only (a ConfigError on tensors).
const FLOAT64_ONLY = new Set(['radau5']);

test.before(async () => {
  await initBackend('cpu');
});

// y' = y cos t, y(0) = 1: y(t) = exp(sin t) (non-autonomous).
const f = (t: number, y: Float64Array) => Float64Array.from(y, (v) => v * Math.cos(t));
const exact = (t: number) => Math.exp(Math.sin(t));

test('the registry has the fixed-step and adaptive methods', (t) => {
  t.deepEqual(fixed.map((p) => p.name).sort(), ['euler', 'heun', 'implicit-euler', 'implicit-midpoint', 'midpoint', 'rk4', 'trapezoid']);
  t.deepEqual(separable.map((p) => p.name).sort(), ['leapfrog', 'yoshida4']);
  t.deepEqual(adaptive.map((p) => p.name).sort(), ['bosh3', 'dopri5', 'dopri8', 'radau5', 'tsit5']);
});

for (const plugin of fixed) {
  test(`${plugin.name} converges at order ${plugin.order} (observed within 0.3)`, (t) => {
    const errorAt = (step: number) => {
      const r = odeint64(f, [1], [0, 1, 2], { method: plugin.name, step });
      t.is(r.stats.steps, Math.round(2 / step));
      return Math.abs(r.ys[2]![0]! - exact(2));
    };
    const h = plugin.order >= 4 ? 0.1 : 0.01;
    const observed = Math.log2(errorAt(h) / errorAt(h / 2));
    t.true(Math.abs(observed - plugin.order) < 0.3, `observed order ${observed.toFixed(3)}`);
  });

  test(`${plugin.name} lands on every output time and runs on tensors with a batch`, (t) => {
    const times = [0, 0.25, 1.0, 1.1];
    const r = odeint64(f, [1], times, { method: plugin.name, step: 0.01 });
    const tol = plugin.order >= 2 ? 1e-4 : 1e-2;
    times.forEach((tt, i) => t.true(Math.abs(r.ys[i]![0]! - exact(tt)) < tol, `t=${tt}`));
    const out = tf.tidy(() => {
      const y0 = tf.tensor2d([1, 2, -0.5], [3, 1]);
      const s = odeintWithStats((tt, y) => tf.mul(y, Math.cos(tt)), y0, [0, 0.5, 1], { method: plugin.name, step: 0.05 });
      t.deepEqual(s.ys.shape, [3, 3, 1]);
      return s.ys.arraySync() as number[][][];
    });
    const ref = odeint64(f, [1], [0, 0.5, 1], { method: plugin.name, step: 0.05 }).ys[2]![0]!;
    [1, 2, -0.5].forEach((v, i) => t.true(Math.abs(out[2]![i]![0]! - v * ref) < 1e-5 * Math.abs(v * ref) + 1e-6));
  });
}

for (const plugin of adaptive) {
  const m = plugin.name;

  test(`${m}: the error falls with the tolerance and stays within a small multiple of it`, (t) => {
    const times = [0, 0.3, 1.7, 5, 10];
    let previous = Infinity;
    for (const rtol of [1e-4, 1e-6, 1e-8, 1e-10]) {
      const r = odeint64(f, [1], times, { method: m, rtol, atol: rtol });
      const err = Math.max(...times.map((tt, i) => Math.abs(r.ys[i]![0]! - exact(tt))));
      t.true(err < 50 * rtol, `rtol ${rtol}: error ${err.toExponential(2)}`);
      t.true(err < previous, `rtol ${rtol}: error ${err.toExponential(2)} did not fall`);
      previous = err;
    }
  });

  test(`${m}: float64 path matches the SciPy DOP853 references`, (t) => {
    for (const p of referenceProblems()) {
      const n = p.chaotic ? p.ref.t.findIndex((v) => v > 2) : p.ref.t.length;
      const rtol = plugin.order >= 5 ? 1e-12 : 1e-10;
      const r = odeint64(p.f64, p.ref.y0, p.ref.t.slice(0, n), { method: m, rtol, atol: rtol });
      const err = relativeError(r.ys, p.ref.y.slice(0, n));
      t.true(err < (plugin.order >= 5 ? 1e-8 : 1e-5), `${p.name}: relative error ${err.toExponential(2)}`);
    }
  });

  test(`${m}: float32 tensor path matches the references to float32 accuracy`, (t) => {
    if (FLOAT64_ONLY.has(m)) return t.pass('float64 only');
    for (const p of referenceProblems().filter((q) => !q.name.startsWith('double'))) {
      const ys = tf.tidy(() => {
        const s = odeintWithStats(p.tensor, tf.tensor2d([p.ref.y0]), p.ref.t, { method: m, rtol: 2e-6, atol: 2e-6 });
        return (s.ys.arraySync() as number[][][]).map((v) => v[0]!);
      });
      const err = relativeError(ys, p.ref.y);
      const bound = p.name === 'spiral' ? (plugin.order >= 5 ? 1e-4 : 2e-3) : plugin.order >= 5 ? 1e-3 : 2e-3;
      t.true(err < bound, `${p.name}: relative error ${err.toExponential(2)}`);
    }
  });

  test(`${m}: integrating back from t1 recovers y0 (invertibility)`, (t) => {
    const spiral = referenceProblems()[0]!;
    const fwd = odeint64(spiral.f64, [2, 0], [0, 5], { method: m, rtol: 1e-10, atol: 1e-10 });
    const back = odeint64(spiral.f64, fwd.ys[1]!, [5, 2.5, 0], { method: m, rtol: 1e-10, atol: 1e-10 });
    t.true(Math.abs(back.ys[2]![0]! - 2) < 1e-6 && Math.abs(back.ys[2]![1]!) < 1e-6, `got ${Array.from(back.ys[2]!)}`);
    const mid = odeint64(spiral.f64, [2, 0], [0, 2.5], { method: m, rtol: 1e-10, atol: 1e-10 }).ys[1]!;
    t.true(Math.abs(back.ys[1]![0]! - mid[0]!) < 1e-6, 'the intermediate output on the way back matches the forward solution');
  });

  test(`${m}: output times are served by dense output, not by shorter steps`, (t) => {
    const spiral = referenceProblems()[0]!;
    const few = odeint64(spiral.f64, [2, 0], [0, 25], { method: m, rtol: 1e-6, atol: 1e-6 });
    const many = odeint64(spiral.f64, [2, 0], spiral.ref.t, { method: m, rtol: 1e-6, atol: 1e-6 });
    t.is(many.stats.steps, few.stats.steps);
    t.is(many.stats.rejected, few.stats.rejected);
    const err = relativeError(many.ys, spiral.ref.y);
    t.true(err < (plugin.order >= 5 ? 1e-4 : 1e-3), `dense outputs are accurate: ${err.toExponential(2)}`);
  });
}

test('fixed-step methods check for non-finite states on the float64 path', (t) => {
  const rk4 = registry.get('integrator', 'rk4').create({ step: 0.1 } as never);
  const e = t.throws(() => rk4.solve((_t, y) => Float64Array.from(y, (v) => v * v), Float64Array.of(1), [0, 0.5, 2], float64Ops));
  t.regex(e?.message ?? '', /non-finite by t = 2/);
});

test('tensor states keep their shape through every method', (t) => {
  for (const p of registry.list('integrator').filter((q) => !FLOAT64_ONLY.has(q.name))) {
    tf.tidy(() => {
      const integ = p.create(p.options.parse(p.adaptive ? {} : { step: 0.001 }, 'integrator') as never);
      // Separable methods: the oscillator (q, v)' = (v, −q) on the last dimension, q(0.2) = cos 0.2 + sin 0.2.
      const field = p.requiresSeparable
        ? (_t: number, y: tf.Tensor) => tf.concat([tf.split(y, 2, -1)[1]!, tf.neg(tf.split(y, 2, -1)[0]!)], -1)
        : (_t: number, y: tf.Tensor) => tf.neg(y);
      const sol = integ.solve(field, tf.ones([2, 3, 4]), [0, 0.1, 0.2], tensorOps);
      t.deepEqual(sol.ys[2]!.shape, [2, 3, 4], p.name);
      const expected = p.requiresSeparable ? Math.cos(0.2) + Math.sin(0.2) : Math.exp(-0.2);
      t.true(Math.abs((sol.ys[2]!.dataSync()[0] ?? 0) - expected) < 1e-3, p.name);
    });
  }
});
