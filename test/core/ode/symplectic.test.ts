/**
 * The symplectic integrators (issue 21): leapfrog, yoshida4 and
 * implicit-midpoint. Observed orders, bounded energy error over long times
 * (against rk4's drift), tensors against float64, gradients through the
 * implicit iteration, and the capability errors.
 */
import test from 'ava';
import { ConfigError, NumericalError, SOLVERS, initBackend, odeint, odeint64, odeintWithStats, tf } from 'odelab';
import { ErrorCodes } from 'odelab/plugin';
import { createRegistry, resolveExperiment } from 'odelab/node';
import { untapedTensorOps } from '../../../core/ode/tensor-ops.ts';
import { float64Ops } from '../../../core/ode/float64-ops.ts';
import tiny from '../../fixtures/experiments/tiny.ts';

test.before(async () => {
  await initBackend('cpu');
});

type F64 = (t: number, y: Float64Array) => Float64Array;
const G = 9.8;
const oscillator: F64 = (_t, y) => Float64Array.of(y[1]!, -y[0]!);
const oscillatorEnergy = (y: Float64Array) => 0.5 * (y[0]! ** 2 + y[1]! ** 2);
const pendulum: F64 = (_t, y) => Float64Array.of(y[1]!, -G * Math.sin(y[0]!));
const pendulumEnergy = (y: Float64Array) => 0.5 * y[1]! ** 2 - G * Math.cos(y[0]!);
/** The period of the pendulum at amplitude θ0 (complete elliptic integral by the AGM). */
function pendulumPeriod(theta0: number): number {
  let [a, b] = [1, Math.cos(theta0 / 2)];
  for (let i = 0; i < 30; i++) [a, b] = [(a + b) / 2, Math.sqrt(a * b)];
  return (2 * Math.PI) / a / Math.sqrt(G);
}
/** A non-separable Hamiltonian H = (p² + q²)/2 + ε q² p²/2 and its flow (∂H/∂p, −∂H/∂q). */
const EPS = 0.5;
const nonSeparable: F64 = (_t, y) => {
  const [q, p] = [y[0]!, y[1]!];
  return Float64Array.of(p + EPS * q * q * p, -(q + EPS * q * p * p));
};
const nonSeparableEnergy = (y: Float64Array) => 0.5 * (y[0]! ** 2 + y[1]! ** 2) + 0.5 * EPS * y[0]! ** 2 * y[1]! ** 2;

/** Least-squares slope of log error against log step. */
function observedOrder(f: F64, y0: number[], T: number, method: string): number {
  const ref = odeint64(f, y0, [0, T], { method: 'dopri8', rtol: 1e-13, atol: 1e-13 }).ys[1]!;
  const steps = [0.1, 0.05, 0.025, 0.0125];
  const pts = steps.map((h) => {
    const y = odeint64(f, y0, [0, T], { method, step: h }).ys[1]!;
    return [Math.log(h), Math.log(Math.hypot(y[0]! - ref[0]!, y[1]! - ref[1]!))] as const;
  });
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length;
  const my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  return pts.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / pts.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
}

for (const [method, order] of [['leapfrog', 2], ['yoshida4', 4], ['implicit-midpoint', 2]] as const) {
  test(`${method} has observed order ${order} on the harmonic oscillator and the pendulum`, (t) => {
    const ho = observedOrder(oscillator, [1, 0], 2, method);
    const pend = observedOrder(pendulum, [1, 0], 2, method);
    t.true(Math.abs(ho - order) < 0.3, `oscillator: ${ho}`);
    t.true(Math.abs(pend - order) < 0.3, `pendulum: ${pend}`);
  });
}

test('the methods carry their capability flags; the explicit ones leave them unset', (t) => {
  t.like(SOLVERS.leapfrog, { order: 2, adaptive: false, symplectic: true, requiresSeparable: true });
  t.like(SOLVERS.yoshida4, { order: 4, adaptive: false, symplectic: true, requiresSeparable: true });
  t.like(SOLVERS.implicitMidpoint, { name: 'implicit-midpoint', order: 2, adaptive: false, symplectic: true });
  t.falsy(SOLVERS.implicitMidpoint.requiresSeparable);
  for (const m of [SOLVERS.rk4, SOLVERS.dopri5]) t.falsy(m.symplectic || m.requiresSeparable);
});

test('leapfrog evaluates the force once per step (FSAL), yoshida4 three times', (t) => {
  t.is(odeint64(oscillator, [1, 0], [0, 1, 2], { method: 'leapfrog', step: 0.1 }).stats.nfe, 1 + 20);
  t.is(odeint64(oscillator, [1, 0], [0, 1, 2], { method: 'yoshida4', step: 0.1 }).stats.nfe, 1 + 60);
});

/** Relative energy errors along a solve with `perPeriod` outputs per period. */
function energyErrors(f: F64, energy: (y: Float64Array) => number, y0: number[], period: number, periods: number, perPeriod: number, method: string, step: number): number[] {
  const times = Array.from({ length: periods * perPeriod + 1 }, (_, i) => (i * period) / perPeriod);
  const { ys } = odeint64(f, y0, times, { method, step });
  const e0 = energy(ys[0]!);
  return ys.map((y) => Math.abs(energy(y) - e0) / Math.abs(e0));
}
const maxOf = (xs: number[], from: number, to: number) => xs.slice(from, to).reduce((a, b) => Math.max(a, b), 0);

test('harmonic oscillator, 10⁴ periods at step 0.05: leapfrog energy error bounded below 1e-3, rk4 drifting', (t) => {
  const periods = 10000;
  const per = 4;
  const n = periods * per;
  const lf = energyErrors(oscillator, oscillatorEnergy, [1, 0], 2 * Math.PI, periods, per, 'leapfrog', 0.05);
  const rk = energyErrors(oscillator, oscillatorEnergy, [1, 0], 2 * Math.PI, periods, per, 'rk4', 0.05);
  const lfMax = maxOf(lf, 0, n + 1);
  t.true(lfMax < 1e-3, `leapfrog max ${lfMax}`);
  // Bounded: the last 1,000 periods are no worse than the first 1,000.
  t.true(maxOf(lf, n - n / 10, n + 1) < 1.2 * maxOf(lf, 0, n / 10 + 1), 'leapfrog energy error grows');
  // rk4 loses energy at a constant rate: ten times the error after ten times the periods.
  const rkEarly = rk[n / 10]!;
  const rkEnd = rk[n]!;
  t.true(rkEnd > 9 * rkEarly && rkEnd < 11 * rkEarly, `rk4 ${rkEarly} after 10³ periods, ${rkEnd} after 10⁴`);
  t.true(rkEnd > 2e-4, `rk4 end ${rkEnd}`);
});

test('pendulum, 10³ periods at step 0.1: leapfrog energy error bounded, rk4 drifting past it', (t) => {
  const period = pendulumPeriod(1);
  const periods = 1000;
  const per = 8;
  const n = periods * per;
  const lf = energyErrors(pendulum, pendulumEnergy, [1, 0], period, periods, per, 'leapfrog', 0.1);
  const rk = energyErrors(pendulum, pendulumEnergy, [1, 0], period, periods, per, 'rk4', 0.1);
  const lfMax = maxOf(lf, 0, n + 1);
  t.true(lfMax < 0.03, `leapfrog max ${lfMax}`);
  t.true(maxOf(lf, n - n / 10, n + 1) < 1.2 * maxOf(lf, 0, n / 10 + 1), 'leapfrog energy error grows');
  t.true(rk[n]! > 5 * rk[n / 10]!, `rk4 ${rk[n / 10]} after 100 periods, ${rk[n]} after 1000`);
  t.true(rk[n]! > 3 * lfMax, `rk4 end ${rk[n]} vs leapfrog max ${lfMax}`);
  const y4 = energyErrors(pendulum, pendulumEnergy, [1, 0], period, periods, per, 'yoshida4', 0.1);
  t.true(maxOf(y4, 0, n + 1) < 1e-3, `yoshida4 max ${maxOf(y4, 0, n + 1)}`);
});

test('implicit midpoint keeps the energy of a non-separable Hamiltonian bounded; explicit midpoint drifts', (t) => {
  const period = 2 * Math.PI; // nominal: sampling only
  const periods = 500;
  const per = 8;
  const n = periods * per;
  const im = energyErrors(nonSeparable, nonSeparableEnergy, [1, 0.5], period, periods, per, 'implicit-midpoint', 0.1);
  const ex = energyErrors(nonSeparable, nonSeparableEnergy, [1, 0.5], period, periods, per, 'midpoint', 0.1);
  const imMax = maxOf(im, 0, n + 1);
  t.true(imMax < 1e-2, `implicit midpoint max ${imMax}`);
  t.true(maxOf(im, n - n / 10, n + 1) < 1.2 * maxOf(im, 0, n / 10 + 1), 'implicit-midpoint energy error grows');
  t.true(ex[n]! > 10 * imMax, `explicit midpoint ${ex[n]} vs implicit ${imMax}`);
});

test('leapfrog on tensors splits the last dimension: batched states match float64', (t) => {
  // Two uncoupled oscillators of frequencies 1 and 2: state (q1, q2, v1, v2), a batch of 3.
  const f64: F64 = (_t, y) => Float64Array.of(y[2]!, y[3]!, -y[0]!, -4 * y[1]!);
  const ftf = (_t: number, y: tf.Tensor) => {
    const [q, v] = tf.split(y, 2, -1);
    return tf.concat([v!, tf.mul(q!, tf.tensor1d([-1, -4]))], -1);
  };
  const starts = [[1, 0, 0, 1], [0.5, -0.2, 0.3, 0], [-1, 1, 1, -1]];
  for (const method of ['leapfrog', 'yoshida4']) {
    const ys = tf.tidy(() => odeint(ftf, tf.tensor2d(starts), [0, 0.7, 1.5], { method, step: 0.05 }).arraySync() as number[][][]);
    starts.forEach((y0, b) => {
      const ref = odeint64(f64, y0, [0, 0.7, 1.5], { method, step: 0.05 }).ys;
      for (let i = 0; i < 3; i++) for (let k = 0; k < 4; k++) t.true(Math.abs(ys[i]![b]![k]! - ref[i]![k]!) < 1e-5, `${method} [${i}][${b}][${k}]`);
    });
  }
});

test('implicit midpoint on tensors matches float64 to float32 rounding', (t) => {
  const ftf = (_t: number, y: tf.Tensor) => {
    const [q, p] = tf.split(y, 2, -1);
    const qp = tf.mul(q!, p!);
    return tf.concat([tf.add(p!, tf.mul(EPS, tf.mul(qp, q!))), tf.neg(tf.add(q!, tf.mul(EPS, tf.mul(qp, p!))))], -1);
  };
  const starts = [[1, 0.5], [-0.3, 0.8]];
  const times = [0, 0.5, 1, 2];
  const { ys, stats } = odeintWithStats(ftf, tf.tensor2d(starts), times, { method: 'implicit-midpoint', step: 0.1 });
  const got = ys.arraySync() as number[][][];
  ys.dispose();
  t.true(stats.nfe > stats.steps, 'several evaluations per step');
  starts.forEach((y0, b) => {
    const ref = odeint64(nonSeparable, y0, times, { method: 'implicit-midpoint', step: 0.1 }).ys;
    for (let i = 0; i < times.length; i++) for (let k = 0; k < 2; k++) t.true(Math.abs(got[i]![b]![k]! - ref[i]![k]!) < 1e-5, `[${i}][${b}][${k}] ${got[i]![b]![k]} vs ${ref[i]![k]}`);
  });
});

test('gradients flow through implicit midpoint on the tape and match finite differences', (t) => {
  // d/d(y0, ε) of Σ y(T) for the non-separable flow with parameter ε.
  const field = (eps: tf.Tensor) => (_t: number, y: tf.Tensor) => {
    const [q, p] = tf.split(y, 2, -1);
    const qp = tf.mul(q!, p!);
    return tf.concat([tf.add(p!, tf.mul(eps, tf.mul(qp, q!))), tf.neg(tf.add(q!, tf.mul(eps, tf.mul(qp, p!))))], -1);
  };
  const T = [0, 1];
  const loss = (y0: tf.Tensor, eps: tf.Tensor) => tf.sum(odeint(field(eps), y0, T, { method: 'implicit-midpoint', step: 0.1 }).slice([1], [1]));
  const [gy, ge] = tf.tidy(() => tf.grads(loss)([tf.tensor1d([1, 0.5]), tf.scalar(EPS)]).map((g) => Array.from(g.dataSync())));
  const value = (y0: number[], eps: number) => {
    const f: F64 = (_t, y) => {
      const [q, p] = [y[0]!, y[1]!];
      return Float64Array.of(p + eps * q * q * p, -(q + eps * q * p * p));
    };
    const y = odeint64(f, y0, T, { method: 'implicit-midpoint', step: 0.1 }).ys[1]!;
    return y[0]! + y[1]!;
  };
  const d = 1e-6;
  const fd = [
    (value([1 + d, 0.5], EPS) - value([1 - d, 0.5], EPS)) / (2 * d),
    (value([1, 0.5 + d], EPS) - value([1, 0.5 - d], EPS)) / (2 * d),
    (value([1, 0.5], EPS + d) - value([1, 0.5], EPS - d)) / (2 * d),
  ];
  [...gy!, ...ge!].forEach((g, i) => t.true(Math.abs(g - fd[i]!) < 2e-3 * (1 + Math.abs(fd[i]!)), `component ${i}: ${g} vs ${fd[i]}`));
});

test('untaped tensor solves free their intermediates', (t) => {
  const ftf = (_t: number, y: tf.Tensor) => {
    const [q, v] = tf.split(y, 2, -1);
    return tf.concat([v!, tf.neg(tf.sin(q!))], -1);
  };
  for (const m of [SOLVERS.leapfrog, SOLVERS.yoshida4, SOLVERS.implicitMidpoint]) {
    const y0 = tf.tensor2d([[1, 0], [0.5, 0.1]]);
    const before = tf.memory().numTensors;
    const { ys } = m.create(m.options.parse({ step: 0.05 }, 'integrator') as never).solve(ftf, y0, [0, 1, 2], untapedTensorOps);
    t.is(tf.memory().numTensors, before + ys.length - 1, m.name);
    for (const y of ys.slice(1)) y.dispose();
    y0.dispose();
  }
});

test('implicit midpoint names the time when its iteration does not converge', (t) => {
  const stiff: F64 = (_t, y) => Float64Array.of(-100 * y[0]!);
  const e = t.throws(() => odeint64(stiff, [1], [0, 1], { method: 'implicit-midpoint', step: 0.1 }), { instanceOf: NumericalError }) as NumericalError;
  t.is(e.code, ErrorCodes.NUMERICAL_NO_CONVERGENCE);
  t.is(e.at, 0);
  t.regex(e.message, /did not converge in 100 iterations at t = 0/);
});

test('separable methods refuse a state with an odd number of components', (t) => {
  const e = t.throws(() => odeint64((_t, y) => y, [1, 2, 3], [0, 1], { method: 'leapfrog' }), { instanceOf: ConfigError }) as ConfigError;
  t.regex(e.message, /even number of components/);
  t.truthy(float64Ops.splitHalves);
});

const spec = (system: object, integrator: object, extra: object = {}) => ({ ...tiny, system, integrator, ...extra });

test('config: leapfrog on a velocity-dependent system is a ConfigError at integrator.name (exit 2)', (t) => {
  for (const [system, why] of [
    ['charged-particle', /depends on q̇/],
    ['rotating-frame', /depends on q̇/],
    ['double-pendulum', /depends on q̇/],
    ['spiral', /not a mechanical system/],
  ] as const) {
    const e = t.throws(() => resolveExperiment(spec({ name: system }, { name: 'leapfrog', step: 0.01 }, system === 'spiral' ? {} : { model: { name: 'mlp', hidden: [8] } }), createRegistry()), { instanceOf: ConfigError }) as ConfigError;
    t.is(e.path, 'integrator.name', system);
    t.regex(e.message, why, system);
    t.regex(e.message, /implicit-midpoint/);
  }
  for (const system of ['harmonic-oscillator', 'pendulum', 'kepler']) {
    t.notThrows(() => resolveExperiment(spec({ name: system }, { name: 'yoshida4', step: 0.01 }, { model: { name: 'mlp', hidden: [8] } }), createRegistry()), system);
  }
  t.notThrows(() => resolveExperiment(spec({ name: 'charged-particle' }, { name: 'implicit-midpoint', step: 0.01 }, { model: { name: 'mlp', hidden: [8] } }), createRegistry()));
});

test('config: a separable method cannot be the adjoint\'s backward method', (t) => {
  const e = t.throws(
    () => resolveExperiment(spec({ name: 'pendulum' }, { name: 'leapfrog', step: 0.01 }, { model: { name: 'mlp', hidden: [8] }, gradient: { name: 'adjoint' } }), createRegistry()),
    { instanceOf: ConfigError },
  ) as ConfigError;
  t.is(e.path, 'gradient.method');
  t.notThrows(() =>
    resolveExperiment(spec({ name: 'pendulum' }, { name: 'leapfrog', step: 0.01 }, { model: { name: 'mlp', hidden: [8] }, gradient: { name: 'adjoint', method: 'dopri5' } }), createRegistry()),
  );
});
