import test from 'ava';
import { ButcherTableau } from 'odelab';

const rk4 = { name: 'rk4', c: [0, 0.5, 0.5, 1], a: [[], [0.5], [0, 0.5], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6], order: 4 };

test('a consistent tableau constructs', (t) => {
  t.is(new ButcherTableau(rk4).stages, 4);
});

test('a wrong row sum is caught', (t) => {
  t.throws(() => new ButcherTableau({ ...rk4, c: [0, 0.5, 0.4, 1] }), { message: /row 2 of a sums to 0\.5, but c\[2\] = 0\.4/ });
});

test('weights that miss an order condition are caught', (t) => {
  t.throws(() => new ButcherTableau({ ...rk4, b: [1 / 6, 1 / 6, 1 / 2, 1 / 6] }), { message: /order 4 needs/ });
  t.throws(() => new ButcherTableau({ ...rk4, b: [0.25, 0.25, 0.25, 0.25] }), { message: /order 4 needs sum b c\^2/ });
});

test('shape errors are caught', (t) => {
  t.throws(() => new ButcherTableau({ ...rk4, a: [[], [0.5], [0.5], [0, 0, 1]] }), { message: /a row 2 has 1 entries, expected 2/ });
  t.throws(() => new ButcherTableau({ ...rk4, b: [1] }), { message: /b has 1 entries/ });
});

test('a claimed order the weights do not reach is caught', (t) => {
  t.throws(() => new ButcherTableau({ name: 'euler', c: [0], a: [[]], b: [1], order: 2 }), { message: /order 2 needs sum b c = 1\/2/ });
});
