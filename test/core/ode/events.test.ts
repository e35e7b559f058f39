/**
 * Terminal events (odeintEvent, odeintEvent64): event times against exact
 * ones for every kind of method, directions, outputs before the event, and
 * gradients through the event time against float64 finite differences for
 * backprop and the adjoint.
 */
import test from 'ava';
import { ConfigError, SOLVERS, initBackend, odeintEvent, odeintEvent64, tf } from 'odelab';
import { brentRoot, crossed } from '../../../core/ode/events.ts';

test.before(async () => {
  await initBackend('cpu');
});

type F64 = (t: number, y: Float64Array) => Float64Array;
const G = 9.8;
const oscillator: F64 = (_t, y) => Float64Array.of(y[1]!, -y[0]!);
const pendulum: F64 = (_t, y) => Float64Array.of(y[1]!, -G * Math.sin(y[0]!));
/** A quarter period of the pendulum released at rest from θ0: its first pass through the vertical. */
function pendulumQuarter(theta0: number): number {
  let [a, b] = [1, Math.cos(theta0 / 2)];
  for (let i = 0; i < 30; i++) [a, b] = [(a + b) / 2, Math.sqrt(a * b)];
  return Math.PI / (2 * a * Math.sqrt(G));
}

test('brentRoot converges to rounding on smooth, flat and one-sided functions', (t) => {
  t.true(Math.abs(brentRoot((x) => Math.cos(x), 1, 2, Math.cos(1), Math.cos(2)) - Math.PI / 2) < 1e-15);
  t.true(Math.abs(brentRoot((x) => x ** 3, -1, 2, -1, 8)) < 1e-15 ** (1 / 3) * 10);
  t.true(Math.abs(brentRoot((x) => Math.exp(x) - 2, 3, 0, Math.exp(3) - 2, -1) - Math.LN2) < 1e-15);
  t.is(brentRoot((x) => x - 1, 1, 2, 0, 1), 1);
  t.throws(() => brentRoot((x) => x * x + 1, -1, 1, 2, 2));
});

test('crossings count by direction; leaving zero is not an event, landing on it is', (t) => {
  t.true(crossed(-1, 1, 'rising'));
  t.false(crossed(-1, 1, 'falling'));
  t.true(crossed(1, -1, 'either'));
  t.false(crossed(0, 1, 'rising'));
  t.true(crossed(-1, 0, 'rising'));
  t.false(crossed(1, 2, 'either'));
});

// Every method that runs on float64, with settings that reach about 1e-9 on these problems.
const settings: Record<string, object> = {
  euler: { step: 1e-6 },
  midpoint: { step: 1e-4 },
  heun: { step: 1e-4 },
  rk4: { step: 2e-3 },
  bosh3: { rtol: 1e-11, atol: 1e-12 },
  dopri5: { rtol: 1e-10, atol: 1e-12 },
  tsit5: { rtol: 1e-10, atol: 1e-12 },
  dopri8: { rtol: 1e-10, atol: 1e-12 },
  leapfrog: { step: 1e-4 },
  yoshida4: { step: 2e-3 },
  'implicit-midpoint': { step: 1e-4 },
  'implicit-euler': { step: 1e-6 },
  trapezoid: { step: 1e-4 },
  radau5: { rtol: 1e-10, atol: 1e-12 },
};

test('every method locates the pendulum\'s pass through the vertical within 10x its accuracy', (t) => {
  t.deepEqual(Object.keys(settings).sort(), Object.values(SOLVERS).map((m) => m.name).sort(), 'a method without a case here');
  const theta0 = 2.5; // far from the small-angle limit
  const exact = pendulumQuarter(theta0);
  for (const [method, options] of Object.entries(settings)) {
    if (method === 'euler' || method === 'implicit-euler') continue; // first order: covered on the oscillator below
    const res = odeintEvent64(pendulum, [theta0, 0], 0, { method, ...options, eventFn: (_t, y) => y[0]!, direction: 'falling', tMax: 5 });
    t.truthy(res.eventTime, method);
    t.true(Math.abs(res.eventTime! - exact) < 1e-8, `${method}: ${res.eventTime} vs ${exact}`);
    t.true(Math.abs(res.ys[res.ys.length - 1]![0]!) < 1e-8, `${method}: g at the event`);
  }
  for (const method of ['euler', 'implicit-euler']) {
    const res = odeintEvent64(oscillator, [1, 0], 0, { method, step: 1e-5, eventFn: (_t, y) => y[0]!, tMax: 3 });
    t.true(Math.abs(res.eventTime! - Math.PI / 2) < 2e-5, `${method}: ${res.eventTime}`);
  }
});

test('the located time is the root along the numerical solution, to rounding', (t) => {
  // rk4 with a coarse step: its event time is off the exact one, but g vanishes there to rounding.
  const res = odeintEvent64(pendulum, [2.5, 0], 0, { method: 'rk4', step: 0.1, eventFn: (_t, y) => y[0]!, tMax: 5 });
  t.true(Math.abs(res.ys[res.ys.length - 1]![0]!) < 1e-14);
  t.true(Math.abs(res.eventTime! - pendulumQuarter(2.5)) > 1e-7, 'the coarse solution is off');
  // dopri5's dense output: the same.
  const dense = odeintEvent64(pendulum, [2.5, 0], 0, { eventFn: (_t, y) => y[0]!, tMax: 5, rtol: 1e-4, atol: 1e-6 });
  t.true(Math.abs(dense.ys[dense.ys.length - 1]![0]!) < 1e-14);
  t.true(Math.abs(dense.eventTime! - pendulumQuarter(2.5)) < 10 * 1e-4);
});

test('directions, a start on g = 0, outputs before the event, and no event before tMax', (t) => {
  const tol = { rtol: 1e-10, atol: 1e-12 };
  const x = (_t: number, y: Float64Array) => y[0]!;
  const near = (a: number | null, b: number) => a !== null && Math.abs(a - b) < 1e-8;
  t.true(near(odeintEvent64(oscillator, [1, 0], 0, { ...tol, eventFn: x, tMax: 10 }).eventTime, Math.PI / 2));
  t.true(near(odeintEvent64(oscillator, [1, 0], 0, { ...tol, eventFn: x, direction: 'rising', tMax: 10 }).eventTime, (3 * Math.PI) / 2));
  // Starting on the surface (x = 0, moving up): the first falling crossing is half a period later.
  t.true(near(odeintEvent64(oscillator, [0, 1], 0, { ...tol, eventFn: x, direction: 'falling', tMax: 10 }).eventTime, Math.PI));
  // Backwards in time.
  t.true(near(odeintEvent64(oscillator, [1, 0], 0, { ...tol, eventFn: x, tMax: -10 }).eventTime, -Math.PI / 2));
  // A time-dependent event: x(t) = cos t meets the line 0.5 - t/10.
  const moving = odeintEvent64(oscillator, [1, 0], 0, { ...tol, eventFn: (tt, y) => y[0]! - (0.5 - tt / 10), tMax: 10 });
  const exact = brentRoot((s) => Math.cos(s) - 0.5 + s / 10, 0, 1.5, 0.5, Math.cos(1.5) - 0.35);
  t.true(near(moving.eventTime, exact));

  const grid = odeintEvent64(oscillator, [1, 0], 0, { ...tol, eventFn: x, tMax: 10, t: [0.5, 1, 1.5, 2, 3] });
  t.deepEqual(grid.ts.slice(0, 4), [0, 0.5, 1, 1.5]);
  t.is(grid.ts.length, 5);
  t.true(near(grid.ts[4]!, Math.PI / 2));
  grid.ys.slice(0, 4).forEach((y, i) => t.true(Math.abs(y[0]! - Math.cos(grid.ts[i]!)) < 1e-8));

  const none = odeintEvent64(oscillator, [1, 0], 0, { ...tol, eventFn: (_t, y) => y[0]! - 2, tMax: 10, t: [5] });
  t.is(none.eventTime, null);
  t.deepEqual(none.ts, [0, 5, 10]);
  t.true(Math.abs(none.ys[2]![0]! - Math.cos(10)) < 1e-8);
});

test('bad event options are ConfigErrors naming the option, before any work', (t) => {
  const x = (_t: number, y: Float64Array) => y[0]!;
  const at = (f: () => unknown) => (t.throws(f, { instanceOf: ConfigError }) as ConfigError).path;
  t.is(at(() => odeintEvent64(oscillator, [1, 0], 0, { eventFn: x } as never)), 'options.tMax');
  t.is(at(() => odeintEvent64(oscillator, [1, 0], 0, { eventFn: x, tMax: 0 })), 'options.tMax');
  t.is(at(() => odeintEvent64(oscillator, [1, 0], 0, { eventFn: 3, tMax: 1 } as never)), 'options.eventFn');
  t.is(at(() => odeintEvent64(oscillator, [1, 0], 0, { eventFn: x, tMax: 1, direction: 'up' } as never)), 'options.direction');
  t.is(at(() => odeintEvent64(oscillator, [1, 0], 0, { eventFn: x, tMax: 1, t: [2] })), 'options.t[0]');
  t.is(at(() => odeintEvent64(oscillator, [1, 0], Number.NaN, { eventFn: x, tMax: 1 })), 't0');
});

// A damped oscillator with learnable stiffness k and damping c, released from (x0, v0); the event
// x = a (a learnable level) falling. Loss: 2 t* + 3 x*(·) + 5 v* (t*, state at the event).
const k0 = 1.7;
const c0 = 0.3;
const a0 = 0.2;
const state0 = [1.1, 0.4];
function loss64(k: number, c: number, a: number, x0: number, v0: number): number {
  const res = odeintEvent64((_t, y) => Float64Array.of(y[1]!, -k * y[0]! - c * y[1]!), [x0, v0], 0, {
    rtol: 1e-12,
    atol: 1e-14,
    eventFn: (_t, y) => y[0]! - a,
    direction: 'falling',
    tMax: 10,
  });
  const y = res.ys[res.ys.length - 1]!;
  return 2 * res.eventTime! + 3 * y[0]! + 5 * y[1]!;
}
function finiteDifferences(): number[] {
  const p = [k0, c0, a0, ...state0];
  return p.map((_, i) => {
    const h = 1e-5 * Math.max(1, Math.abs(p[i]!));
    const up = p.slice();
    const down = p.slice();
    up[i]! += h;
    down[i]! -= h;
    return (loss64(...(up as [number, number, number, number, number])) - loss64(...(down as [number, number, number, number, number]))) / (2 * h);
  });
}

for (const strategy of ['backprop', 'adjoint'] as const) {
  test(`gradients through the event time and state (${strategy}) match float64 finite differences within 1e-4`, (t) => {
    const reference = finiteDifferences();
    const k = tf.variable(tf.scalar(k0));
    const c = tf.variable(tf.scalar(c0));
    const a = tf.variable(tf.scalar(a0));
    const y0 = tf.variable(tf.tensor1d(state0));
    const func = (_t: number, y: tf.Tensor) => {
      const [x, v] = tf.split(y, 2);
      return tf.concat([v!, tf.sub(tf.neg(tf.mul(k, x!)), tf.mul(c, v!))]);
    };
    let eventTime = NaN;
    const { grads } = tf.variableGrads(() => {
      const res = odeintEvent(func, y0, 0, {
        rtol: 1e-8,
        atol: 1e-9,
        eventFn: (_t, y) => tf.sub(tf.slice(y, [0], [1]), a),
        direction: 'falling',
        tMax: 10,
        eventParams: [a],
        ...(strategy === 'adjoint' ? { adjoint: { params: [k, c], rtol: 1e-8, atol: 1e-9 } } : {}),
      });
      eventTime = res.eventTime!.dataSync()[0]!;
      const last = tf.reshape(tf.slice(res.ys, [res.ys.shape[0]! - 1, 0], [1, 2]), [2]);
      return tf.add(tf.mul(res.eventTime!, 2), tf.sum(tf.mul(last, tf.tensor1d([3, 5])))) as tf.Scalar;
    }, [k, c, a, y0]);
    t.true(eventTime > 0.5 && eventTime < 3, `event at ${eventTime}`);
    const got = [k, c, a].map((v) => grads[v.name]!.dataSync()[0]!).concat(Array.from(grads[y0.name]!.dataSync()));
    got.forEach((g, i) => t.true(Math.abs(g - reference[i]!) <= 1e-4 * Math.max(1, Math.abs(reference[i]!)), `∂/∂p${i}: ${g} vs ${reference[i]}`));
    tf.dispose([k, c, a, y0, ...Object.values(grads)]);
  });
}

test('an integrator that ignores the step monitor is refused for events, not silently run past them', async (t) => {
  const { solveUntilEvent } = await import('../../../core/ode/events.ts');
  const { float64Ops } = await import('../../../core/ode/float64-ops.ts');
  const rk4 = SOLVERS.rk4.create({ step: 0.1 } as never);
  const blind = { ...rk4, name: 'blind', solve: <S>(f: (t: number, y: S) => S, y0: S, tt: readonly number[], ops: never) => rk4.solve(f, y0, tt, ops) };
  t.throws(() => solveUntilEvent(blind, oscillator, Float64Array.of(1, 0), [0, 3], float64Ops, (_t, y) => y[0]!, 'either'), {
    instanceOf: ConfigError,
    message: /does not show its steps/,
  });
});
