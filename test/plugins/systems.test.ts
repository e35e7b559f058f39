// Every registered system: the contract; and the ground truth against SciPy's DOP853 references.
import test from 'ava';
import { ConfigError, Rng } from 'odelab';
import { instantiateSystem, totalEnergy, type MechanicalStructure, type SystemPlugin, type System } from 'odelab/plugin';
import { createRegistry, groundTruth } from 'odelab/node';
import springPendulum from '../../experiments/physics/spring-pendulum.ts';
import { relativeError } from '../helpers/problems.ts';
import { loadReference } from '../helpers/reference.ts';

const registry = createRegistry();
// The runner's ground truth: dopri8 in float64 at rtol 1e-10 (tighter here for the comparison).
const truth = (rtol = 1e-12) => {
  const p = registry.get('integrator', 'dopri8');
  return p.create(p.options.parse({ rtol, atol: rtol }, 'data') as never);
};
const make = (plugin: SystemPlugin, options: object = {}): System => instantiateSystem(plugin, plugin.options.parse(options, 'system') as never);
const system = (name: string, options: object = {}) => make(registry.get('system', name), options);

/**
 * Largest |E(t) − E(0)| along a dopri8 trajectory at rtol = atol = 1e-10 (21 points over the
 * system's time span), relative to the energy's size max(|E|, |T| + |V|) at t = 0 (E alone can be near 0).
 */
function energyDrift(sys: System, x0: Float64Array): number {
  const m = sys.mechanical!;
  const t = Array.from({ length: 21 }, (_, i) => (sys.timeSpan * i) / 20);
  const ys = groundTruth(sys, truth(1e-10), x0, t);
  const e0 = totalEnergy(m, x0);
  const scale = Math.max(Math.abs(e0), Math.abs(m.kinetic(x0)) + Math.abs(m.potential(x0)));
  return Math.max(...ys.map((y) => Math.abs(totalEnergy(m, y) - e0))) / scale;
}

for (const plugin of registry.list('system')) {
  test(`${plugin.name} samples states of its dimension and has finite derivatives`, (t) => {
    const sys = make(plugin);
    const rng = new Rng(1);
    for (let i = 0; i < 5; i++) {
      const x = sys.sampleInitialState(rng);
      t.is(x.length, sys.stateDim);
      t.true(sys.derivative(0, x).every(Number.isFinite));
    }
    if (sys.mechanical) {
      t.is(sys.stateDim, 2 * sys.mechanical.coordinates);
      t.is(sys.mechanical.angles.length, sys.mechanical.coordinates);
    }
  });

  test(`${plugin.name}: energy is conserved along the float64 ground truth to 1e-8 relative (mechanical systems)`, (t) => {
    const sys = make(plugin);
    if (!sys.mechanical) return t.pass('not mechanical');
    const rng = new Rng(3);
    for (let i = 0; i < 2; i++) {
      const drift = energyDrift(sys, sys.sampleInitialState(rng));
      t.true(drift < 1e-8, `relative energy drift ${drift.toExponential(2)}`);
    }
  });
}

for (const [name, sysName, options, horizon] of [
  ['spiral', 'spiral', {}, Infinity],
  ['kepler-ellipse', 'kepler', {}, Infinity],
  ['double-pendulum-b', 'double-pendulum', {}, Infinity],
  ['double-pendulum-a', 'double-pendulum', {}, 3],
  ['double-pendulum-b', 'n-pendulum', { n: 2 }, Infinity],
  ['double-pendulum-a', 'n-pendulum', { n: 2 }, 3],
] as const) {
  const label = `${sysName}${'n' in options ? ` (n = ${options.n})` : ''}`;
  test(`${label} ground truth matches the SciPy reference ${name} to 1e-8 relative${horizon < Infinity ? ` (t <= ${horizon}, chaotic)` : ''}`, (t) => {
    const ref = loadReference(name);
    const n = ref.t.filter((v) => v <= horizon).length;
    const sys = system(sysName, options);
    const ys = groundTruth(sys, truth(), Float64Array.from(ref.y0), ref.t.slice(0, n));
    const err = relativeError(ys, ref.y.slice(0, n));
    t.true(err < 1e-8, `relative error ${err.toExponential(2)}`);
    if (ref.energy && sys.mechanical) {
      ys.forEach((y, i) => t.true(Math.abs(totalEnergy(sys.mechanical!, y) - ref.energy![i]!) < 1e-8, `energy at t=${ref.t[i]}`));
    }
  });
}

test('harmonic oscillator follows cos', (t) => {
  const sys = system('harmonic-oscillator', { mass: 2, stiffness: 8 });
  const ys = groundTruth(sys, truth(), Float64Array.of(1, 0), [0, 1, 2]);
  t.true(Math.abs(ys[2]![0]! - Math.cos(2 * 2)) < 1e-10);
});

/** Derivatives and energies of two systems agree on random states, to `tol` relative to max(1, |value|). */
function sameSystem(t: import('ava').ExecutionContext, a: System, b: System, states: Float64Array[], tol = 1e-12) {
  t.is(a.stateDim, b.stateDim);
  t.deepEqual(a.mechanical!.angles, b.mechanical!.angles);
  const close = (u: number, v: number, what: string) => t.true(Math.abs(u - v) <= tol * Math.max(1, Math.abs(v)), `${what}: ${u} vs ${v}`);
  for (const x of states) {
    const da = a.derivative(0, x);
    const db = b.derivative(0, x);
    da.forEach((v, i) => close(v, db[i]!, `derivative[${i}]`));
    const [ma, mb]: MechanicalStructure[] = [a.mechanical!, b.mechanical!];
    close(ma.kinetic(x), mb.kinetic(x), 'kinetic');
    close(ma.potential(x), mb.potential(x), 'potential');
  }
}

const randomStates = (rng: Rng, n: number, count: number) =>
  Array.from({ length: count }, () => Float64Array.from({ length: 2 * n }, (_, i) => (i < n ? rng.range(-4, 4) : rng.range(-10, 10))));

test('n-pendulum with n = 2 is the double pendulum (random masses, lengths, g and states)', (t) => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 10; trial++) {
    const [m1, m2, l1, l2, g] = [rng.range(0.2, 3), rng.range(0.2, 3), rng.range(0.3, 2), rng.range(0.3, 2), rng.range(0, 20)];
    const chain = system('n-pendulum', { n: 2, masses: [m1, m2], lengths: [l1, l2], g });
    sameSystem(t, chain, system('double-pendulum', { m1, m2, l1, l2, g }), randomStates(rng, 2, 10), 1e-11);
  }
});

test('n-pendulum with n = 1 is the simple pendulum', (t) => {
  const rng = new Rng(22);
  for (let trial = 0; trial < 10; trial++) {
    const [m, l, g] = [rng.range(0.2, 3), rng.range(0.3, 2), rng.range(0, 20)];
    sameSystem(t, system('n-pendulum', { n: 1, masses: m, lengths: [l], g }), system('pendulum', { m, l, g }), randomStates(rng, 1, 10));
  }
});

test('pendulum: small oscillations have period 2π√(l/g)', (t) => {
  const [l, g] = [0.5, 9.8];
  const sys = system('pendulum', { l, g });
  const period = 2 * Math.PI * Math.sqrt(l / g);
  const [, y] = groundTruth(sys, truth(), Float64Array.of(1e-4, 0), [0, period]);
  t.true(Math.abs(y![0]! - 1e-4) < 1e-12);
});

test('n-pendulum rejects per-link arrays of the wrong length, naming the field', (t) => {
  t.throws(() => system('n-pendulum', { n: 3, masses: [1, 2] }), {
    instanceOf: ConfigError,
    message: 'system.masses must be a number or an array of n = 3 numbers, got an array of length 2',
  });
  const e = t.throws(() => system('n-pendulum', { n: 2, lengths: [1, 1, 1] }), { instanceOf: ConfigError });
  t.is((e as ConfigError).path, 'system.lengths');
  t.is(system('n-pendulum', { n: 4 }).stateDim, 8);
});

test('spring pendulum (experiments/physics, Lagrangian only) matches its hand-derived equations and conserves energy', (t) => {
  const [m, k, l0, g] = [1.3, 25, 0.8, 9.8];
  const sys = make(springPendulum, { m, k, l0, g });
  t.deepEqual(sys.mechanical!.angles, [false, true]);
  // r̈ = r θ̇² + g cos θ − (k/m)(r − l0), θ̈ = −(g sin θ + 2 ṙ θ̇)/r
  const rng = new Rng(4);
  for (let i = 0; i < 20; i++) {
    const [r, th, rd, thd] = [rng.range(0.3, 2), rng.range(-3, 3), rng.range(-3, 3), rng.range(-5, 5)];
    const d = sys.derivative(0, Float64Array.of(r, th, rd, thd));
    const expected = [rd, thd, r * thd * thd + g * Math.cos(th) - (k / m) * (r - l0), -(g * Math.sin(th) + 2 * rd * thd) / r];
    expected.forEach((v, j) => t.true(Math.abs(d[j]! - v) <= 1e-12 * Math.max(1, Math.abs(v)), `component ${j}`));
    const x = Float64Array.of(r, th, rd, thd);
    t.true(Math.abs(sys.mechanical!.kinetic(x) - 0.5 * m * (rd * rd + r * r * thd * thd)) < 1e-12);
    t.true(Math.abs(sys.mechanical!.potential(x) - (-m * g * r * Math.cos(th) + 0.5 * k * (r - l0) ** 2)) < 1e-12);
  }
  const drift = energyDrift(sys, sys.sampleInitialState(new Rng(5)));
  t.true(drift < 1e-8, `relative energy drift ${drift.toExponential(2)}`);
});
