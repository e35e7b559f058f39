// Every registered system: basic contract; plus the spiral against SciPy's DOP853 reference.
import test from 'ava';
import { createRegistry, groundTruth, Rng, totalEnergy } from 'odelab';
import { loadReference } from '../helpers/reference.ts';

const registry = createRegistry();
const create = (name: string, options: object = {}) => {
  const p = registry.get('system', name);
  return p.create(p.options.parse(options, 'system') as never);
};
const rk4 = (step: number) => registry.get('integrator', 'rk4').create({ step } as never);

for (const plugin of registry.list('system')) {
  test(`${plugin.name} samples states of its dimension and has finite derivatives`, (t) => {
    const sys = plugin.create(plugin.options.parse({}, 'system') as never);
    const rng = new Rng(1);
    for (let i = 0; i < 5; i++) {
      const x = sys.sampleInitialState(rng);
      t.is(x.length, sys.stateDim);
      t.true(sys.derivative(0, x).every(Number.isFinite));
    }
    if (sys.mechanical) t.is(sys.stateDim, 2 * sys.mechanical.coordinates);
  });
}

test('spiral ground truth matches the SciPy DOP853 reference to 1e-8', (t) => {
  const ref = loadReference('spiral');
  const sys = create('spiral');
  const ys = groundTruth(sys, rk4(0.025 / 20), Float64Array.from(ref.y0), ref.t);
  let worst = 0;
  ys.forEach((y, i) => y.forEach((v, d) => (worst = Math.max(worst, Math.abs(v - ref.y[i]![d]!)))));
  t.true(worst < 1e-8, `max abs error ${worst}`);
});

test('harmonic oscillator conserves energy and follows cos', (t) => {
  const sys = create('harmonic-oscillator', { mass: 2, stiffness: 8 });
  const ys = groundTruth(sys, rk4(0.001), Float64Array.of(1, 0), [0, 1, 2]);
  t.true(Math.abs(ys[2]![0]! - Math.cos(2 * 2)) < 1e-10);
  const e0 = totalEnergy(sys.mechanical!, ys[0]!);
  t.true(Math.abs(totalEnergy(sys.mechanical!, ys[2]!) - e0) < 1e-10);
});
