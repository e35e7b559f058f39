// Systems from a Lagrangian alone (eq. 8 of Cranmer et al. 2020) against closed forms.
import test from 'ava';
import { NumericalError, ConfigError, Rng } from 'odelab';
import { accelerationFromLagrangian, definePlugin, Dual, instantiateSystem, isLagrangianSpec, lagrangianSystem, s, totalEnergy, type Lagrangian, type LagrangianSpec, type System } from 'odelab/plugin';
import { createRegistry, groundTruth } from 'odelab/node';
import { relativeError } from '../../helpers/problems.ts';
import { loadReference } from '../../helpers/reference.ts';

const registry = createRegistry();
const builtin = (name: string, options: object = {}): System => {
  const p = registry.get('system', name);
  return instantiateSystem(p, p.options.parse(options, 'system') as never);
};
const dopri8 = (rtol: number) => {
  const p = registry.get('integrator', 'dopri8');
  return p.create(p.options.parse({ rtol, atol: rtol }, 'integrator') as never);
};

interface DoublePendulum {
  m1: number;
  m2: number;
  l1: number;
  l2: number;
  g: number;
}

/** The double pendulum as its Lagrangian only (same L as plugins/systems/double-pendulum.ts states). */
const doublePendulumL =
  ({ m1, m2, l1, l2, g }: DoublePendulum): Lagrangian =>
  ([t1, t2], [w1, w2]) =>
    Dual.sum(
      w1!.sq().mul(0.5 * (m1 + m2) * l1 * l1),
      w2!.sq().mul(0.5 * m2 * l2 * l2),
      w1!.mul(w2!).mul(t1!.sub(t2!).cos()).mul(m2 * l1 * l2),
      t1!.cos().mul((m1 + m2) * g * l1),
      t2!.cos().mul(m2 * g * l2),
    );

const spec = (coordinates: number, lagrangian: Lagrangian, extra: Partial<LagrangianSpec> = {}): LagrangianSpec => ({
  coordinates,
  lagrangian,
  sampleInitialState: () => new Float64Array(2 * coordinates),
  timeSpan: 1,
  ...extra,
});

test('the double pendulum from its Lagrangian matches the closed form to 1e-10 on 100 random states and parameters', (t) => {
  const rng = new Rng(7);
  let worst = 0;
  for (let trial = 0; trial < 100; trial++) {
    const params = { m1: rng.range(0.2, 3), m2: rng.range(0.2, 3), l1: rng.range(0.3, 2), l2: rng.range(0.3, 2), g: rng.range(0, 20) };
    const closed = builtin('double-pendulum', params);
    const derived = lagrangianSystem(spec(2, doublePendulumL(params), { angles: [true, true] }));
    // Angles anywhere on the circle (and beyond), velocities up to 20 rad/s.
    const x = Float64Array.of(rng.range(-7, 7), rng.range(-7, 7), rng.range(-20, 20), rng.range(-20, 20));
    const a = closed.derivative(0, x);
    const b = derived.derivative(0, x);
    // The accelerations are sums of terms of size up to about ω² and g/l: compare relative to that scale.
    const scale = Math.max(1, x[2]! ** 2, x[3]! ** 2, params.g / Math.min(params.l1, params.l2));
    for (let i = 0; i < 4; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
    const m1 = closed.mechanical!;
    const m2 = derived.mechanical!;
    const eScale = Math.abs(m1.kinetic(x)) + Math.abs(m1.potential(x)) + 1;
    t.true(Math.abs(m1.kinetic(x) - m2.kinetic(x)) < 1e-12 * eScale, 'kinetic energy');
    t.true(Math.abs(m1.potential(x) - m2.potential(x)) < 1e-12 * eScale, 'potential energy');
    t.true(Math.abs(totalEnergy(m1, x) - totalEnergy(m2, x)) < 1e-12 * eScale, 'total energy');
  }
  t.true(worst < 1e-10, `largest scaled difference ${worst.toExponential(2)}`);
});

test('the Lagrangian double pendulum follows the SciPy reference double-pendulum-b, energy included', (t) => {
  const ref = loadReference('double-pendulum-b');
  const sys = lagrangianSystem(spec(2, doublePendulumL({ m1: 1, m2: 1, l1: 1, l2: 1, g: 9.8 })));
  const ys = groundTruth(sys, dopri8(1e-12), Float64Array.from(ref.y0), ref.t);
  const err = relativeError(ys, ref.y);
  t.true(err < 1e-8, `relative error ${err.toExponential(2)}`);
  ys.forEach((y, i) => t.true(Math.abs(totalEnergy(sys.mechanical!, y) - ref.energy![i]!) < 1e-8, `energy at t=${ref.t[i]}`));
});

test('the harmonic oscillator from its Lagrangian: derivative, energies and trajectory', (t) => {
  const [m, k] = [2, 8];
  const sys = lagrangianSystem(spec(1, ([q], [qd]) => qd!.sq().mul(0.5 * m).sub(q!.sq().mul(0.5 * k))));
  const closed = builtin('harmonic-oscillator', { mass: m, stiffness: k });
  const rng = new Rng(2);
  for (let i = 0; i < 20; i++) {
    const x = Float64Array.of(rng.range(-3, 3), rng.range(-10, 10));
    const a = sys.derivative(0, x);
    const b = closed.derivative(0, x);
    t.is(a[0], b[0]);
    t.true(Math.abs(a[1]! - b[1]!) <= 1e-14 * Math.max(1, Math.abs(b[1]!)));
    t.true(Math.abs(sys.mechanical!.kinetic(x) - closed.mechanical!.kinetic(x)) < 1e-12);
    t.true(Math.abs(sys.mechanical!.potential(x) - closed.mechanical!.potential(x)) < 1e-12);
  }
  t.deepEqual(sys.mechanical!.angles, [false]);
  const ys = groundTruth(sys, dopri8(1e-12), Float64Array.of(1, 0), [0, 1, 2]);
  t.true(Math.abs(ys[2]![0]! - Math.cos(2 * 2)) < 1e-10);
});

test('a velocity-linear (magnetic) term: the mixed Hessian block enters with the right orientation', (t) => {
  // A charge in a uniform field B along z: L = ½ m |v|² + ½ qB (x ẏ − y ẋ), so m a = qB (ẏ, −ẋ).
  const [m, qB] = [1.5, 2];
  const L: Lagrangian = ([x, y], [xd, yd]) =>
    xd!.sq().add(yd!.sq()).mul(0.5 * m).add(x!.mul(yd!).sub(y!.mul(xd!)).mul(0.5 * qB));
  const state = Float64Array.of(0.3, -1.1, 0.7, 2.5);
  const a = accelerationFromLagrangian(L, 2, state);
  t.true(Math.abs(a[0]! - (qB / m) * 2.5) < 1e-14);
  t.true(Math.abs(a[1]! + (qB / m) * 0.7) < 1e-14);
  // E = q̇·∂L/∂q̇ − L = ½ m |v|² (the field does no work); V = −L(q, 0) = 0.
  const sys = lagrangianSystem(spec(2, L));
  t.true(Math.abs(sys.mechanical!.kinetic(state) - 0.5 * m * (0.7 ** 2 + 2.5 ** 2)) < 1e-14);
  t.is(Math.abs(sys.mechanical!.potential(state)), 0);
});

test('a 3-link chain written from Cartesian positions matches the n-pendulum plugin', (t) => {
  const masses = [1.2, 0.7, 2.0];
  const lengths = [0.8, 1.3, 0.6];
  const g = 9.8;
  // L = Σ ½ m_i |ṗ_i|² − Σ m_i g y_i with p_i = Σ_{k≤i} l_k (sin q_k, −cos q_k).
  const L: Lagrangian = (q, qd) => {
    const terms: Dual[] = [];
    let [x, y, vx, vy]: (Dual | number)[] = [0, 0, 0, 0];
    for (let i = 0; i < 3; i++) {
      x = q[i]!.sin().mul(lengths[i]!).add(x);
      y = q[i]!.cos().mul(-lengths[i]!).add(y);
      vx = q[i]!.cos().mul(qd[i]!).mul(lengths[i]!).add(vx);
      vy = q[i]!.sin().mul(qd[i]!).mul(lengths[i]!).add(vy);
      terms.push((vx as Dual).sq().add((vy as Dual).sq()).mul(0.5 * masses[i]!), (y as Dual).mul(-masses[i]! * g));
    }
    return Dual.sum(...terms);
  };
  const derived = lagrangianSystem(spec(3, L));
  const closed = builtin('n-pendulum', { n: 3, masses, lengths, g });
  const rng = new Rng(11);
  let worst = 0;
  for (let i = 0; i < 50; i++) {
    const x = Float64Array.from({ length: 6 }, (_, j) => (j < 3 ? rng.range(-4, 4) : rng.range(-8, 8)));
    const a = closed.derivative(0, x);
    const b = derived.derivative(0, x);
    const scale = Math.max(1, ...Array.from(x.subarray(3), (w) => w * w));
    for (let j = 0; j < 6; j++) worst = Math.max(worst, Math.abs(a[j]! - b[j]!) / scale);
    t.true(Math.abs(totalEnergy(closed.mechanical!, x) - totalEnergy(derived.mechanical!, x)) < 1e-11 * (1 + Math.abs(closed.mechanical!.kinetic(x))));
  }
  t.true(worst < 1e-10, `largest scaled difference ${worst.toExponential(2)}`);
});

test('a singular velocity Hessian is a NumericalError naming the state', (t) => {
  // Only q̇1 + q̇2 enters: ∂²L/∂q̇∂q̇ = [[1, 1], [1, 1]].
  const sys = lagrangianSystem(spec(2, ([q1, q2], [v1, v2]) => v1!.add(v2!).sq().mul(0.5).sub(q1!.sq()).sub(q2!.sq())));
  const e = t.throws(() => sys.derivative(1.5, Float64Array.of(0.25, -0.5, 1, 2)), { instanceOf: NumericalError });
  t.regex(e!.message, /velocity Hessian ∂²L\/∂q̇∂q̇ at x = \[0\.250000, -0\.500000, 1\.00000, 2\.00000\] \(t = 1\.5\)/);
  t.regex(e!.message, /singular/);
  t.regex(e!.message, /degenerate/);
  t.is((e as NumericalError).at, 1.5);
  // No velocity at all.
  t.throws(() => accelerationFromLagrangian(([q]) => q!.sq().neg(), 1, Float64Array.of(1, 0)), { instanceOf: NumericalError, message: /singular/ });
});

test('a Lagrangian that does not return a jet of its arguments is rejected clearly', (t) => {
  const bad = lagrangianSystem(spec(1, (() => 3) as unknown as Lagrangian));
  t.throws(() => bad.derivative(0, Float64Array.of(0, 0)), { instanceOf: TypeError, message: /returned number, expected a Dual/ });
});

test('lagrangianSystem validates its spec', (t) => {
  const L: Lagrangian = (_q, [v]) => v!.sq();
  t.throws(() => lagrangianSystem(spec(0, L)), { instanceOf: ConfigError, message: /coordinates must be a positive integer, got 0/ });
  t.throws(() => lagrangianSystem(spec(2, L, { angles: [true] })), { instanceOf: ConfigError, message: /one flag per coordinate \(2\), got 1/ });
  t.throws(() => lagrangianSystem(spec(1, L, { timeSpan: -1 })), { instanceOf: ConfigError, message: /timeSpan must be a positive number/ });
});

test('instantiateSystem accepts a plugin returning either a System or a LagrangianSpec', (t) => {
  const fromSpec = definePlugin({
    kind: 'system',
    name: 'free-fall',
    description: 'a body falling freely',
    options: s.object({ g: s.number().default(9.8) }),
    create: ({ g }) => spec(1, ([y], [v]) => v!.sq().mul(0.5).sub(y!.mul(g))),
  });
  const made = fromSpec.create({ g: 2 });
  t.true(isLagrangianSpec(made));
  const sys = instantiateSystem(fromSpec, { g: 2 });
  t.is(sys.stateDim, 2);
  t.deepEqual(Array.from(sys.derivative(0, Float64Array.of(5, 1))), [1, -2]);
  const closed = registry.get('system', 'pendulum');
  t.false(isLagrangianSpec(closed.create(closed.options.parse({}, 'system'))));
  t.is(builtin('pendulum').stateDim, 2);
});
