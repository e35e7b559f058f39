// Every registered integrator, from the registry itself: convergence at its
// declared order on a problem with a known solution, in float64 and float32.
import test from 'ava';
import { createRegistry, float64Ops, tensorOps, tf } from 'odelab';

const registry = createRegistry();

// y' = y cos t, y(0) = 1: y(t) = exp(sin t) (non-autonomous, non-linear in t).
const f = (t: number, y: Float64Array) => Float64Array.from(y, (v) => v * Math.cos(t));
const exact = (t: number) => Math.exp(Math.sin(t));

for (const plugin of registry.list('integrator').filter((p) => !p.adaptive)) {
  test(`${plugin.name} converges at order ${plugin.order} in float64`, (t) => {
    const errorAt = (step: number) => {
      const integ = plugin.create(plugin.options.parse({ step }, 'integrator') as never);
      const { ys, stats } = integ.solve(f, Float64Array.of(1), [0, 1, 2], float64Ops);
      t.is(stats.steps, Math.round(2 / step));
      return Math.abs(ys[2]![0]! - exact(2));
    };
    const h = plugin.order >= 4 ? 0.1 : 0.01;
    const observed = Math.log2(errorAt(h) / errorAt(h / 2));
    t.true(Math.abs(observed - plugin.order) < 0.25, `observed order ${observed.toFixed(3)}`);
  });

  test(`${plugin.name} hits every output time exactly and integrates backwards`, (t) => {
    const integ = plugin.create(plugin.options.parse({ step: 0.3 }, 'integrator') as never);
    const times = [0, 0.25, 1.0, 1.1];
    const { ys } = integ.solve(f, Float64Array.of(1), times, float64Ops);
    t.is(ys.length, 4);
    const tol = plugin.order >= 4 ? 1e-4 : 0.1;
    times.forEach((tt, i) => t.true(Math.abs(ys[i]![0]! - exact(tt)) < tol, `t=${tt}`));
    const back = integ.solve(f, ys[3]!, [1.1, 0], float64Ops);
    t.true(Math.abs(back.ys[1]![0]! - 1) < tol * 2);
  });

  test(`${plugin.name} runs on tensors with a batch dimension and matches float64`, (t) => {
    const integ = plugin.create(plugin.options.parse({ step: 0.05 }, 'integrator') as never);
    const y0 = [1, 2, -0.5];
    const out = tf.tidy(() => {
      const sol = integ.solve((tt, y) => tf.mul(y, Math.cos(tt)), tf.tensor2d(y0, [3, 1]), [0, 0.5, 1], tensorOps);
      return tf.stack(sol.ys).arraySync() as number[][][];
    });
    const ref = integ.solve(f, Float64Array.of(1), [0, 0.5, 1], float64Ops).ys[2]![0]!;
    y0.forEach((v, i) => t.true(Math.abs(out[2]![i]![0]! - v * ref) < 1e-5 * Math.abs(v * ref) + 1e-6));
  });
}
