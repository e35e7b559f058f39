// Every registered system: the contract; and the ground truth against SciPy's DOP853 references.
import test from 'ava';
import { createRegistry, groundTruth, Rng, totalEnergy } from 'odelab';
import { relativeError, system } from '../helpers/problems.ts';
import { loadReference } from '../helpers/reference.ts';

const registry = createRegistry();
// The runner's ground truth: dopri8 in float64 at rtol 1e-10 (tighter here for the comparison).
const truth = (rtol = 1e-12) => {
  const p = registry.get('integrator', 'dopri8');
  return p.create(p.options.parse({ rtol, atol: rtol }, 'data') as never);
};

for (const plugin of registry.list('system')) {
  test(`${plugin.name} samples states of its dimension and has finite derivatives`, (t) => {
    const sys = plugin.create(plugin.options.parse({}, 'system') as never);
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

  test(`${plugin.name}: energy is conserved along the ground truth (mechanical systems)`, (t) => {
    const sys = plugin.create(plugin.options.parse({}, 'system') as never);
    if (!sys.mechanical) return t.pass('not mechanical');
    const x0 = sys.sampleInitialState(new Rng(3));
    const ys = groundTruth(sys, truth(1e-10), x0, [0, sys.timeSpan / 2, sys.timeSpan]);
    const e0 = totalEnergy(sys.mechanical, ys[0]!);
    for (const y of ys) t.true(Math.abs(totalEnergy(sys.mechanical, y) - e0) < 1e-7 * Math.max(1, Math.abs(e0)));
  });
}

for (const [name, sysName, horizon] of [
  ['spiral', 'spiral', Infinity],
  ['kepler-ellipse', 'kepler', Infinity],
  ['double-pendulum-b', 'double-pendulum', Infinity],
  ['double-pendulum-a', 'double-pendulum', 3],
] as const) {
  test(`${sysName} ground truth matches the SciPy reference ${name} to 1e-8 relative${horizon < Infinity ? ` (t <= ${horizon}, chaotic)` : ''}`, (t) => {
    const ref = loadReference(name);
    const n = ref.t.filter((v) => v <= horizon).length;
    const sys = system(sysName);
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
