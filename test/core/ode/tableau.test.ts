import test from 'ava';
import { ButcherTableau, type TableauSpec } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { firstViolation, treeCounts } from '../../../core/ode/order-conditions.ts';
import { dopri5Tableau, dopri8Tableau } from '../../../core/ode/methods/index.ts';

const rk4: TableauSpec = { name: 'rk4', c: [0, 0.5, 0.5, 1], a: [[], [0.5], [0, 0.5], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6], order: 4 };

test('a consistent tableau constructs', (t) => {
  t.is(new ButcherTableau(rk4).stages, 4);
});

test('rooted trees are enumerated correctly (OEIS A000081)', (t) => {
  t.deepEqual(treeCounts(8), [1, 1, 2, 4, 9, 20, 48, 115]);
});

test('a wrong row sum is caught', (t) => {
  t.throws(() => new ButcherTableau({ ...rk4, c: [0, 0.5, 0.4, 1] }), { message: /row 2 of a sums to 0\.5, but c\[2\] = 0\.4/ });
});

test('weights that miss an order condition are caught', (t) => {
  t.throws(() => new ButcherTableau({ ...rk4, b: [1 / 6, 1 / 6, 1 / 2, 1 / 6] }), { message: /order 4 of b fails a condition of order 3/ });
  t.throws(() => new ButcherTableau({ ...rk4, b: [0.25, 0.25, 0.25, 0.25] }), { message: /order 4 of b fails a condition of order 3/ });
  t.throws(() => new ButcherTableau({ name: 'euler', c: [0], a: [[]], b: [1], order: 2 }), { message: /order 2 of b fails a condition of order 2: got 0, want 0\.5/ });
});

test('shape errors are caught', (t) => {
  t.throws(() => new ButcherTableau({ ...rk4, a: [[], [0.5], [0.5], [0, 0, 1]] }), { message: /a row 2 has 1 entries, expected 2/ });
  t.throws(() => new ButcherTableau({ ...rk4, b: [1] }), { message: /b has 1 entries/ });
});

test('every registered Runge-Kutta method satisfies the order conditions it claims, and no more than one order beyond', (t) => {
  t.is(firstViolation(dopri8Tableau.a, dopri8Tableau.b, 8), undefined);
  t.truthy(firstViolation(dopri8Tableau.a, dopri8Tableau.b, 9), 'DOP853 is not of order 9');
  t.truthy(firstViolation(dopri5Tableau.a, dopri5Tableau.b, 6), 'dopri5 is not of order 6');
  t.true(createRegistry().list('integrator').length >= 8);
});

test('a corrupted coefficient in DOP853 is caught at construction', (t) => {
  const a = dopri8Tableau.a.map((row) => [...row]);
  a[9]![7]! *= 1 + 1e-9;
  a[9]![0]! -= a[9]![7]! * 1e-9 / (1 + 1e-9); // keep the row sum, break a higher-order condition
  t.throws(() => new ButcherTableau({ ...specOf(dopri8Tableau), a }), { message: /fails a condition of order/ });
  const e5 = [...dopri8Tableau.bHatFor()!];
  e5[5]! += 1e-6;
  t.throws(() => new ButcherTableau({ ...specOf(dopri8Tableau), bHat: e5 }), { message: /bHat fails|error weights must sum to 0/ });
});

test('error weights must sum to zero, FSAL must hold, the interpolant must start at y0 and end at y1', (t) => {
  const base = specOf(dopri5Tableau);
  t.throws(() => new ButcherTableau({ ...base, bHat: base.bHat!.map((v, i) => (i === 6 ? v + 0.01 : v)) }), { message: /bHat fails a condition of order 1|error weights must sum to 0/ });
  t.throws(() => new ButcherTableau({ ...base, b: [...base.b.slice(0, 6), 0.001].map((v, i) => (i === 0 ? v - 0.001 : v)) }), { message: /FSAL|fails/ });
  const interpolant = { order: 4, weights: (th: number) => base.b.map((bi) => bi * th * th * 0.99) };
  t.throws(() => new ButcherTableau({ ...base, interpolant }), { message: /interpolant at θ = 1 must be the step's solution/ });
  const offset = { order: 4, weights: (th: number) => base.b.map((bi) => bi * th + 1e-3) };
  t.throws(() => new ButcherTableau({ ...base, interpolant: offset }), { message: /interpolant at θ = 0 must be y0/ });
});

function specOf(tab: ButcherTableau): TableauSpec {
  return {
    name: tab.name,
    c: tab.c,
    a: tab.a,
    b: tab.b,
    order: tab.order,
    bHat: tab.bHatFor(),
    embeddedOrder: tab.embeddedOrder,
    bHatLow: tab.errorWeightsLow ? tab.b.map((v, i) => v - tab.errorWeightsLow![i]!) : undefined,
    lowOrder: tab.lowOrder,
    errorEstimatorOrder: tab.errorEstimatorOrder,
    fsal: tab.fsal,
    interpolant: tab.interpolant,
  };
}
