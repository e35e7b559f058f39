import test from 'ava';
import { ConfigError, NumericalError, initBackend, odeint, odeint64, odeintWithStats, tf } from 'odelab';
import { ErrorCodes } from 'odelab/plugin';

test.before(async () => {
  await initBackend('cpu');
});

const decay = (_t: number, y: tf.Tensor) => tf.neg(y);

test('odeint returns [t.length, ...y0.shape] starting with y0, with dopri5 by default', (t) => {
  tf.tidy(() => {
    const y0 = tf.tensor3d([1, 2, 3, 4, 5, 6], [2, 1, 3]);
    const ys = odeint(decay, y0, [0, 0.5, 1]);
    t.deepEqual(ys.shape, [3, 2, 1, 3]);
    t.deepEqual(Array.from(ys.slice([0], [1]).dataSync()), [1, 2, 3, 4, 5, 6]);
    const last = Array.from(ys.slice([2], [1]).dataSync());
    last.forEach((v, i) => t.true(Math.abs(v - (i + 1) * Math.exp(-1)) < 1e-4));
  });
});

test('times may be a 1-D tensor or a typed array, and may decrease', (t) => {
  tf.tidy(() => {
    const y0 = tf.tensor1d([1]);
    const a = odeint(decay, y0, tf.tensor1d([0, 1])).dataSync();
    const b = odeint(decay, y0, Float32Array.of(0, 1)).dataSync();
    t.deepEqual(Array.from(a), Array.from(b));
    const back = odeint(decay, y0, [1, 0]).dataSync();
    t.true(Math.abs(back[1]! - Math.E) < 1e-4, `got ${back[1]}`);
  });
});

test('statistics count evaluations, accepted and rejected steps', (t) => {
  tf.tidy(() => {
    const { stats } = odeintWithStats(decay, tf.tensor1d([1]), [0, 10], { method: 'dopri5' });
    t.true(stats.steps > 3);
    // 1 for f(t0), 1 for the initial-step heuristic, 6 per attempted step (FSAL).
    t.is(stats.nfe, 2 + 6 * (stats.steps + stats.rejected));
    const fixed = odeintWithStats(decay, tf.tensor1d([1]), [0, 1, 2], { method: 'rk4', step: 0.25 }).stats;
    t.deepEqual(fixed, { nfe: 32, steps: 8, rejected: 0 });
  });
});

test('per-component tolerances broadcast over the batch', (t) => {
  tf.tidy(() => {
    const y0 = tf.tensor2d([[1, 1], [2, 2]]);
    const ys = odeint(decay, y0, [0, 1], { rtol: [1e-5, 1e-3], atol: [1e-6, 1e-4] });
    t.deepEqual(ys.shape, [2, 2, 2]);
  });
  const e = t.throws(() => odeint64((_t, y) => y, [1, 2], [0, 1], { atol: [1e-6] }), { instanceOf: ConfigError });
  t.is(e?.path, 'options.atol');
});

const configError = (t: import('ava').ExecutionContext, f: () => unknown, path: string, message: RegExp) => {
  const e = t.throws(f, { instanceOf: ConfigError });
  t.is(e?.path, path, e?.message);
  t.regex(e?.message ?? '', message);
};

test('bad options are rejected with their path, before any work', (t) => {
  const f = (_t: number, y: Float64Array) => y;
  configError(t, () => odeint64(f, [1], [0, 1], { rtoll: 1e-3 } as never), 'options.rtoll', /not a known option.*did you mean 'rtol'/);
  configError(t, () => odeint64(f, [1], [0, 1], { method: 'rk5' }), 'options.method', /unknown method 'rk5'; known: bosh3, dopri5, dopri8, euler, heun, .*leapfrog, midpoint, .*rk4, .*tsit5, yoshida4/);
  configError(t, () => odeint64(f, [1], [0, 1], { method: 'rk4', rtol: 1e-3 }), 'options.rtol', /'rk4' is a fixed-step method and has no rtol; rtol applies to adaptive methods \(bosh3, dopri5, dopri8, (radau5, )?tsit5\)/);
  configError(t, () => odeint64(f, [1], [0, 1], { method: 'dopri5', step: 0.1 }), 'options.step', /'dopri5' is an adaptive method and has no step; step applies to fixed-step methods/);
  configError(t, () => odeint64(f, [1], [0, 1], { rtol: -1 }), 'options.rtol', /positive number/);
  configError(t, () => odeint64(f, [1], [0, 1, 1]), 't[2]', /strictly increasing or strictly decreasing/);
  configError(t, () => odeint64(f, [1], [0, 2, 1]), 't[2]', /strictly/);
  configError(t, () => odeint64(f, [1], [0, NaN]), 't[1]', /finite number/);
  configError(t, () => odeint64(f, [1], []), 't', /at least one time/);
  tf.tidy(() => {
    configError(t, () => odeint(decay, tf.tensor1d([1]), [0, 1], { rtol: 1e-9 }), 'options.rtol', /at least 1\.00e-8 on float32 states/);
  });
});

test('too many steps is a typed error saying where and what to do', (t) => {
  const e = t.throws(() => odeint64((_t, y) => Float64Array.from(y, (v) => -50 * v), [1], [0, 10], { maxSteps: 20 }), { instanceOf: NumericalError });
  t.is(e?.code, ErrorCodes.NUMERICAL_MAX_STEPS);
  t.regex(e?.message ?? '', /maximum number of steps \(20\) reached at t = [\d.e-]+ before t = 10: raise maxSteps or loosen rtol\/atol/);
  t.true((e?.at ?? -1) > 0);
});

test('a step below minStep is the "underflow in dt" error, with the time', (t) => {
  // y' = y², y(0) = 1 blows up at t = 1.
  const e = t.throws(() => odeint64((_t, y) => Float64Array.from(y, (v) => v * v), [1], [0, 2], { minStep: 1e-6 }), { instanceOf: NumericalError });
  t.is(e?.code, ErrorCodes.NUMERICAL_STEP_UNDERFLOW);
  t.regex(e?.message ?? '', /step size [\d.e+-]+ at t = 0\.99\d* is below minStep 0\.000001 \(underflow in dt\)/);
});

test('a vector field that turns non-finite is a typed error at its time', (t) => {
  const nanAfter = (time: number, y: Float64Array) => Float64Array.from(y, (v) => (time > 0.5 ? NaN : -v));
  const e = t.throws(() => odeint64(nanAfter, [1], [0, 1]), { instanceOf: NumericalError });
  t.is(e?.code, ErrorCodes.NUMERICAL_NON_FINITE);
  t.regex(e?.message ?? '', /non-finite at t = 0\.[45]\d*/);
  const atStart = t.throws(() => odeint64(() => Float64Array.of(NaN), [1], [0, 1]), { instanceOf: NumericalError });
  t.regex(atStart?.message ?? '', /non-finite state or derivative at t = 0/);
});
