/**
 * Trajectories with jumps at events (core/ode/event-chain.ts) and the
 * bouncing-ball system: the chain against the analytic bounces, tensors
 * against float64, gradients of a chain (through several event times and
 * the solves that start at them) against float64 finite differences, and
 * the Zeno guard.
 */
import test from 'ava';
import { ConfigError, NumericalError, SOLVERS, initBackend, tf } from 'odelab';
import { Dual, ErrorCodes, definePlugin, instantiateSystem, s } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { withEvents, type JumpEvent } from '../../../core/ode/event-chain.ts';
import { checkSystemPlugin } from '../../../core/physics/check-system.ts';
import { float64Ops } from '../../../core/ode/float64-ops.ts';
import { tensorOps, untapedTensorOps } from '../../../core/ode/tensor-ops.ts';
import type { System } from '../../../core/system.ts';

test.before(async () => {
  await initBackend('cpu');
});

const G = 9.8;
const E = 0.8;
const bounce: JumpEvent = {
  fn: (_t, x) => x[0]!,
  direction: 'falling',
  jump: (_t, x) => Float64Array.of(x[0]!, -E * x[1]!),
  jumpTensor: (_t, x) => tf.mul(x, tf.tensor1d([1, -E])),
  maxEvents: 50,
};

/** The exact bouncing ball: height and velocity at time t from (h0, v0). */
function exactBall(h0: number, v0: number, t: number, g = G, e = E): [number, number] {
  let [tc, h, v] = [0, h0, v0];
  for (;;) {
    const hit = tc + (v + Math.sqrt(v * v + 2 * g * h)) / g;
    if (hit > t) {
      const s = t - tc;
      return [h + v * s - 0.5 * g * s * s, v - g * s];
    }
    const vImpact = v - g * (hit - tc);
    [tc, h, v] = [hit, 0, -e * vImpact];
  }
}

const grid = Array.from({ length: 31 }, (_, i) => i * 0.1);

test('the float64 chain follows the exact bounces, for adaptive, fixed-step and symplectic methods', (t) => {
  const f = (_t: number, x: Float64Array) => Float64Array.of(x[1]!, -G);
  for (const [name, options] of [['dopri5', { rtol: 1e-10, atol: 1e-12 }], ['rk4', { step: 0.01 }], ['leapfrog', { step: 0.01 }], ['radau5', { rtol: 1e-10, atol: 1e-12 }]] as const) {
    const method = Object.values(SOLVERS).find((m) => m.name === name)!;
    const integrator = withEvents(method.create(method.options.parse(options, 'integrator') as never), bounce);
    const ys = integrator.solve(f, Float64Array.of(1.2, 0.5), grid, float64Ops).ys;
    t.is(ys.length, grid.length);
    ys.forEach((y, i) => {
      const [h, v] = exactBall(1.2, 0.5, grid[i]!);
      t.true(Math.abs(y[0]! - h) < 1e-8 && Math.abs(y[1]! - v) < 1e-8, `${name} at t = ${grid[i]}: ${Array.from(y)} vs ${[h, v]}`);
    });
  }
});

test('tensor rows bounce at their own times, matching float64', (t) => {
  const method = SOLVERS.dopri5;
  const integrator = withEvents(method.create(method.options.parse({ rtol: 1e-7, atol: 1e-8 }, 'integrator') as never), bounce);
  const starts = [[1.2, 0.5], [0.8, -1], [2, 0]];
  tf.tidy(() => {
    const f = (_t: number, x: tf.Tensor) => tf.concat([tf.slice(x, [0, 1], [-1, 1]), tf.fill([x.shape[0]!, 1], -G)], 1);
    for (const ops of [tensorOps, untapedTensorOps]) {
      const ys = integrator.solve(f, tf.tensor2d(starts), grid, ops).ys;
      t.is(ys.length, grid.length);
      ys.forEach((y, i) => {
        const values = y.arraySync() as number[][];
        starts.forEach(([h0, v0], b) => {
          const [h, v] = exactBall(h0!, v0!, grid[i]!);
          t.true(Math.abs(values[b]![0]! - h) < 1e-4 && Math.abs(values[b]![1]! - v) < 1e-4, `row ${b} at t = ${grid[i]}`);
        });
      });
    }
  });
});

test('gradients through a chain of bounces (gravity and start) match float64 finite differences', (t) => {
  // Loss: Σ_i w_i h(t_i) + u_i v(t_i) over the grid, with the ball bouncing three times.
  const w = grid.map((_, i) => Math.sin(i + 1));
  const u = grid.map((_, i) => Math.cos(2 * i));
  const lossExact = (g: number, h0: number, v0: number) =>
    grid.reduce((acc, ti, i) => {
      const [h, v] = exactBall(h0, v0, ti, g);
      return acc + w[i]! * h + u[i]! * v;
    }, 0);
  const p = [G, 1.2, 0.5];
  const reference = p.map((_, k) => {
    const d = 1e-6;
    const up = p.slice();
    const down = p.slice();
    up[k]! += d;
    down[k]! -= d;
    return (lossExact(...(up as [number, number, number])) - lossExact(...(down as [number, number, number]))) / (2 * d);
  });
  const method = SOLVERS.dopri5;
  const integrator = withEvents(method.create(method.options.parse({ rtol: 1e-8, atol: 1e-9 }, 'integrator') as never), bounce);
  const g = tf.variable(tf.scalar(G));
  const y0 = tf.variable(tf.tensor2d([[1.2, 0.5]]));
  const f = (_t: number, x: tf.Tensor) => tf.concat([tf.slice(x, [0, 1], [-1, 1]), tf.reshape(tf.neg(g), [1, 1])], 1);
  const { grads } = tf.variableGrads(() => {
    const ys = tf.stack(integrator.solve(f, y0, grid, tensorOps).ys);
    const weights = tf.tensor3d(grid.map((_, i) => [[w[i]!, u[i]!]]));
    return tf.sum(tf.mul(ys, weights)) as tf.Scalar;
  }, [g, y0]);
  const got = [grads[g.name]!.dataSync()[0]!, ...Array.from(grads[y0.name]!.dataSync())];
  got.forEach((v, k) => t.true(Math.abs(v - reference[k]!) <= 1e-4 * Math.max(1, Math.abs(reference[k]!)), `∂/∂p${k}: ${v} vs ${reference[k]}`));
  // Without the event-time terms the gravity gradient is far off: the check has teeth.
  t.true(Math.abs(reference[0]!) > 0.1);
  tf.dispose([g, y0, ...Object.values(grads)]);
});

test('a ball coming to rest is stopped by maxEvents with a NumericalError', (t) => {
  const method = SOLVERS.dopri5;
  const integrator = withEvents(method.create(method.options.parse({}, 'integrator') as never), { ...bounce, maxEvents: 5 });
  const f = (_t: number, x: Float64Array) => Float64Array.of(x[1]!, -G);
  const err = t.throws(() => integrator.solve(f, Float64Array.of(1, 0), [0, 20], float64Ops), { instanceOf: NumericalError });
  t.is(err!.code, ErrorCodes.NUMERICAL_MAX_STEPS);
  t.regex(err!.message, /more than 5 events/);
});

test('the bouncing-ball plugin declares its event; the adjoint is refused on it', (t) => {
  const registry = createRegistry();
  const plugin = registry.get('system', 'bouncing-ball');
  const system = plugin.create(plugin.options.parse({ restitution: 0.5 }, 'system') as never) as System;
  t.truthy(system.event);
  t.deepEqual(Array.from(system.event!.jump(0, Float64Array.of(0, -2))), [0, 1]);
  t.is(system.event!.fn(0, Float64Array.of(0.3, 1)), 0.3);
  const method = SOLVERS.dopri5;
  const integrator = withEvents(method.create(method.options.parse({}, 'integrator') as never), system.event!);
  const adjoint = registry.get('gradient', 'adjoint');
  const strategy = adjoint.create(adjoint.options.parse({}, 'gradient') as never, { forward: { name: 'dopri5', options: {} }, integrator: () => integrator } as never) as {
    trajectory: (r: object) => unknown;
  };
  const v = tf.variable(tf.scalar(1));
  t.throws(() => strategy.trajectory({ func: (_t: number, x: tf.Tensor) => tf.mul(x, v), y0: tf.tensor2d([[1, 0]]), t: [0, 1], integrator, params: [v] }), {
    message: /adjoint cannot cross/,
  });
  v.dispose();
});

test('a system given by its Lagrangian may declare an event; a broken event is a ConfigError naming it', (t) => {
  // A pendulum against a wall at θ = 0 (it swings on the positive side and bounces off the wall).
  const wall = (event: Partial<JumpEvent>) =>
    definePlugin({
      kind: 'system',
      name: 'pendulum-wall',
      description: 'pendulum bouncing off a wall at the vertical',
      options: s.object({}),
      create: () => ({
        coordinates: 1,
        lagrangian: (q: readonly Dual[], qd: readonly Dual[]) => qd[0]!.sq().mul(0.5).add(q[0]!.cos().mul(G)),
        sampleInitialState: () => Float64Array.of(1, 0),
        timeSpan: 3,
        event: { ...bounce, ...event } as JumpEvent,
      }),
    });
  const system = instantiateSystem(wall({}), {});
  t.truthy(system.event);
  const method = SOLVERS.dopri5;
  const integrator = withEvents(method.create(method.options.parse({ rtol: 1e-10, atol: 1e-12 }, 'integrator') as never), system.event!);
  const ys = integrator.solve((tt, x) => system.derivative(tt, x), Float64Array.of(1, 0), [0, 1.5, 3], float64Ops).ys;
  // It never crosses the wall, and (restitution 0.8) ends with less energy than it started with.
  for (const y of ys) t.true(y[0]! > -1e-9);
  const energy = (y: Float64Array) => 0.5 * y[1]! ** 2 - G * Math.cos(y[0]!);
  t.true(energy(ys[2]!) < energy(ys[0]!) - 0.1);
  const plugin = wall({ jump: () => Float64Array.of(0) });
  const err = t.throws(() => checkSystemPlugin('pendulum-wall', () => plugin.create({} as never)), { instanceOf: ConfigError });
  t.regex(err!.message, /event\.jump\(t, x\) returned 1 values/);
  const noFn = wall({ fn: undefined });
  t.throws(() => checkSystemPlugin('pendulum-wall', () => noFn.create({} as never)), { message: /event\.fn is missing/ });
});
