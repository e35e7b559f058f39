// Dual (second-order jets): every op's value, gradient and Hessian against analytic
// derivatives and central finite differences, alone and composed.
import test from 'ava';
import { Dual } from 'odelab/plugin';

type F = (x: readonly Dual[]) => Dual;

/** f's value at a point, evaluated with constants (k = 0 jets are plain float arithmetic). */
const value = (f: F, p: readonly number[]) => f(p.map((v) => Dual.constant(v))).value;

/** Largest |a − b| / max(1, |b|). */
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0;
  for (let i = 0; i < b.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return e;
};

/** The jet's gradient against central differences of the value; its Hessian against central differences of the jet's gradient. */
function checkAgainstFiniteDifferences(t: import('ava').ExecutionContext, name: string, f: F, p: readonly number[]) {
  const k = p.length;
  const jet = f(Dual.variables(p));
  t.true(Number.isFinite(jet.value), `${name}: finite value`);
  t.true(Math.abs(jet.value - value(f, p)) <= 1e-15 * Math.max(1, Math.abs(jet.value)), `${name}: value`);
  const fdGrad = new Float64Array(k);
  const fdHess = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const h = 1e-5 * Math.max(1, Math.abs(p[i]!));
    const plus = p.map((v, j) => (j === i ? v + h : v));
    const minus = p.map((v, j) => (j === i ? v - h : v));
    fdGrad[i] = (value(f, plus) - value(f, minus)) / (2 * h);
    const gp = f(Dual.variables(plus)).gradient();
    const gm = f(Dual.variables(minus)).gradient();
    for (let j = 0; j < k; j++) fdHess[i * k + j] = (gp[j]! - gm[j]!) / (2 * h);
  }
  const eg = relErr(jet.gradient(), fdGrad);
  const eh = relErr(jet.hessian(), fdHess);
  t.true(eg < 1e-7, `${name}: gradient error ${eg.toExponential(2)}`);
  t.true(eh < 1e-7, `${name}: Hessian error ${eh.toExponential(2)}`);
  const H = jet.hessian();
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) t.is(H[i * k + j], jet.hess(i, j), `${name}: hess(${i}, ${j})`);
}

// Two inner functions with non-zero gradients and Hessians, so that every op's chain rule is exercised in full.
const u: F = ([x, y, z]) => x!.mul(y!).add(z!.sin()); // any sign
const v: F = ([x, y, z]) => x!.mul(0.3).exp().add(y!.sq()).add(z!.mul(z!).mul(0.5)).add(0.7); // > 0

const cases: Record<string, F> = {
  add: (a) => u(a).add(v(a)),
  'add number': (a) => u(a).add(2.5),
  sub: (a) => u(a).sub(v(a)),
  'number-constant sub': (a) => Dual.constant(2.5).sub(v(a)),
  mul: (a) => u(a).mul(v(a)),
  'mul self': (a) => u(a).mul(u(a)),
  div: (a) => u(a).div(v(a)),
  'constant div': (a) => Dual.constant(1.5).div(v(a)),
  'div number': (a) => u(a).div(-3),
  neg: (a) => u(a).neg(),
  sq: (a) => u(a).sq(),
  'pow 3': (a) => u(a).pow(3),
  'pow -1.5': (a) => v(a).pow(-1.5),
  'pow 0.7': (a) => v(a).pow(0.7),
  recip: (a) => v(a).recip(),
  sqrt: (a) => v(a).sqrt(),
  sin: (a) => u(a).sin(),
  cos: (a) => u(a).cos(),
  exp: (a) => u(a).exp(),
  log: (a) => v(a).log(),
  tanh: (a) => u(a).mul(0.5).tanh(),
  sum: (a) => Dual.sum(u(a), v(a), 4, a[0]!.cos()),
  dot: (a) => Dual.dot([u(a), 2, a[2]!], [v(a), a[1]!, a[0]!.exp()]),
  composition: ([x, y, z]) =>
    x!.sin().mul(y!.cos()).add(z!.sq().add(1).log()).div(x!.sub(y!).tanh().add(2)).sub(y!.mul(z!).exp().sqrt()).add(3).pow(2.5),
};

const points = [
  [0.3, -0.7, 1.1],
  [-1.2, 0.4, -0.5],
  [2.0, 1.5, 0.25],
];

for (const [name, f] of Object.entries(cases)) {
  test(`${name}: value, gradient and Hessian agree with central finite differences`, (t) => {
    for (const p of points) checkAgainstFiniteDifferences(t, name, f, p);
  });
}

test('derivatives agree with analytic ones', (t) => {
  const [x, y] = Dual.variables([0.8, -0.3]);
  // f = sin(x) e^y: ∇f = (cos x e^y, sin x e^y), H = [[−sin x e^y, cos x e^y], [cos x e^y, sin x e^y]]
  const f = x!.sin().mul(y!.exp());
  const [sx, cx, ey] = [Math.sin(0.8), Math.cos(0.8), Math.exp(-0.3)];
  t.deepEqual(Array.from(f.gradient()), [cx * ey, sx * ey]);
  t.deepEqual(Array.from(f.hessian()), [-sx * ey, cx * ey, cx * ey, sx * ey]);
  // g = x / y: ∇g = (1/y, −x/y²), H = [[0, −1/y²], [−1/y², 2x/y³]]
  const g = x!.div(y!);
  const close = (a: number, b: number) => t.true(Math.abs(a - b) <= 1e-15 * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
  close(g.grad(0), 1 / -0.3);
  close(g.grad(1), -0.8 / 0.09);
  close(g.hess(0, 0), 0);
  close(g.hess(0, 1), -1 / 0.09);
  close(g.hess(1, 1), (2 * 0.8) / -0.027);
  // h = log(x² + y²)/2: the Laplacian of log r vanishes in the plane.
  const h = x!.sq().add(y!.sq()).log().mul(0.5);
  t.true(Math.abs(h.hess(0, 0) + h.hess(1, 1)) < 1e-14);
  // pow and sqrt against each other; tanh' = 1 − tanh².
  const s = x!.sqrt();
  const p = x!.pow(0.5);
  close(s.grad(0), p.grad(0));
  close(s.hess(0, 0), p.hess(0, 0));
  close(s.hess(0, 0), -0.25 * 0.8 ** -1.5);
  const th = x!.tanh();
  close(th.grad(0), 1 - Math.tanh(0.8) ** 2);
  close(th.hess(0, 0), -2 * Math.tanh(0.8) * (1 - Math.tanh(0.8) ** 2));
});

test('seeds, constants and out-of-range indices', (t) => {
  const [x, y, z] = Dual.variables([1, 2, 3]);
  t.is(x!.k, 3);
  t.deepEqual(Array.from(y!.gradient()), [0, 1, 0]);
  t.deepEqual(Array.from(z!.hessian()), new Array(9).fill(0));
  t.is(x!.grad(7), 0);
  t.is(x!.hess(0, 7), 0);
  const c = Dual.constant(5);
  t.is(c.k, 0);
  // A k = 0 constant combines with a jet over any number of variables, on either side.
  const e = c.mul(x!).add(c).sub(c.div(y!));
  t.is(e.k, 3);
  t.is(e.value, 5 + 5 - 2.5);
  t.deepEqual(Array.from(e.gradient()), [5, 5 / 4, 0]);
  t.is(Dual.sum(1, 2, c).k, 0);
  t.is(x!.pow(0).value, 1);
  t.is(x!.pow(0).grad(0), 0);
  t.throws(() => Dual.variable(1, 3, 3), { instanceOf: RangeError, message: /index must be an integer in \[0, 3\)/ });
});

test('jets over different variable counts do not mix', (t) => {
  const [a] = Dual.variables([1, 2]);
  const [b] = Dual.variables([1, 2, 3]);
  t.throws(() => a!.add(b!), { instanceOf: RangeError, message: /over 2 and 3 variables/ });
  t.throws(() => a!.mul(b!), { instanceOf: RangeError });
  t.throws(() => Dual.sum(a!, b!), { instanceOf: RangeError });
});
