/**
 * The problems of the `integrators` suite and the helpers it measures with:
 * SciPy DOP853 reference trajectories (test/fixtures/reference, rtol = atol =
 * 1e-13), each problem's vector field in float64 (the system plugin's
 * derivative) and with tf ops (for the float32 tensor path), error metrics
 * against a reference, and timing helpers.
 */
import { instantiateSystem } from '../../core/physics/instantiate.ts';
import { tf } from '../../core/tensor/tf.ts';
import doublePendulum from '../../plugins/systems/double-pendulum.ts';
import spiral from '../../plugins/systems/spiral.ts';

import { loadReference, type Reference } from '../../test/helpers/reference.ts';


/** What Python needs to rebuild the vector field (see integrators-scipy.ts). */
export type FieldSpec =
  | { kind: 'spiral'; A: number[][] }
  | { kind: 'double-pendulum'; m1: number; m2: number; l1: number; l2: number; g: number };

export interface Problem {
  /** Row label: the reference file's name. */
  name: string;
  description: string;
  ref: Reference;
  /** dy/dt in float64: the system plugin's derivative. */
  f64: (t: number, y: Float64Array) => Float64Array;
  /** dy/dt with tf ops on a [batch, dim] float32 tensor (call `dispose` when done). */
  tensorField(): { f: (t: number, y: tf.Tensor) => tf.Tensor; dispose(): void };
  field: FieldSpec;
}

/** The spiral's matrix, as in the spiral plugin (torchdiffeq's ode_demo.py). */
const SPIRAL_A = [
  [-0.1, 2.0],
  [-2.0, -0.1],
];

function spiralProblem(): Problem {
  const ref = loadReference('spiral');
  const system = instantiateSystem(spiral, spiral.options.parse({}, 'system'));
  return {
    name: 'spiral',
    description: `spiral y' = y³A, 0..${ref.t.at(-1)}, ${ref.t.length} outputs`,
    ref,
    f64: (t, y) => system.derivative(t, y),
    tensorField() {
      const A = tf.tensor2d(SPIRAL_A);
      return { f: (_t, y) => tf.matMul(tf.pow(y, 3), A), dispose: () => A.dispose() };
    },
    field: { kind: 'spiral', A: SPIRAL_A },
  };
}

function doublePendulumProblem(): Problem {
  const ref = loadReference('double-pendulum-b');
  const o = doublePendulum.options.parse({}, 'system');
  const system = instantiateSystem(doublePendulum, o);
  const { m1, m2, l1, l2, g } = o;
  return {
    name: 'double-pendulum-b',
    description: `double pendulum (low energy, default options), 0..${ref.t.at(-1)}, ${ref.t.length} outputs`,
    ref,
    f64: (t, y) => system.derivative(t, y),
    tensorField() {
      // The plugin's closed-form accelerations, column by column on [batch, 4].
      const f = (_t: number, y: tf.Tensor): tf.Tensor => {
        const [t1, t2, w1, w2] = tf.split(y, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const d = tf.sub(t1, t2);
        const sinD = tf.sin(d);
        const cosD = tf.cos(d);
        const w1sq = tf.square(w1);
        const w2sq = tf.square(w2);
        const den = tf.sub(2 * m1 + m2, tf.mul(m2, tf.cos(tf.mul(d, 2))));
        const num1 = tf.sub(
          tf.sub(tf.mul(-g * (2 * m1 + m2), tf.sin(t1)), tf.mul(m2 * g, tf.sin(tf.sub(t1, tf.mul(t2, 2))))),
          tf.mul(tf.mul(sinD, 2 * m2), tf.add(tf.mul(w2sq, l2), tf.mul(tf.mul(w1sq, l1), cosD))),
        );
        const num2 = tf.mul(
          tf.mul(sinD, 2),
          tf.add(
            tf.add(tf.mul(w1sq, l1 * (m1 + m2)), tf.mul(tf.cos(t1), g * (m1 + m2))),
            tf.mul(tf.mul(w2sq, l2 * m2), cosD),
          ),
        );
        const a1 = tf.div(num1, tf.mul(den, l1));
        const a2 = tf.div(num2, tf.mul(den, l2));
        return tf.concat([w1, w2, a1, a2], 1);
      };
      return { f, dispose: () => {} };
    },
    field: { kind: 'double-pendulum', m1, m2, l1, l2, g },
  };
}

export function problems(): Problem[] {
  return [spiralProblem(), doublePendulumProblem()];
}

/**
 * Check that the tensor field equals the float64 one at a few states along
 * the reference (float32 rounding aside), so both paths solve the same ODE.
 */
export function checkTensorField(p: Problem): number {
  const { f, dispose } = p.tensorField();
  let worst = 0;
  try {
    for (const i of [0, Math.floor(p.ref.t.length / 3), p.ref.t.length - 1]) {
      const y = p.ref.y[i]!;
      const want = p.f64(p.ref.t[i]!, Float64Array.from(y));
      const got = tf.tidy(() => f(p.ref.t[i]!, tf.tensor2d([y])).dataSync());
      const scale = Math.max(1, ...Array.from(want, Math.abs));
      for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!) / scale);
    }
  } finally {
    dispose();
  }
  if (!(worst < 1e-5)) throw new Error(`${p.name}: the tensor vector field differs from the float64 one by ${worst} (relative)`);
  return worst;
}

export interface Accuracy {
  /** max over output times and components of |y - y_ref|. */
  maxAbs: number;
  /** max over output times of max_j |y_j - y_ref,j| / max_j |y_ref,j|. */
  maxRel: number;
  /** max_j |y_j - y_ref,j| at the final time (a step end, free of interpolation error). */
  endAbs: number;
}

/** Errors of a trajectory (flat, time-major, `dim` components per time) against the reference. */
export function accuracy(ys: ArrayLike<number>, ref: Reference): Accuracy {
  const dim = ref.y0.length;
  if (ys.length !== ref.t.length * dim) throw new Error(`trajectory has ${ys.length} values, expected ${ref.t.length} × ${dim}`);
  let maxAbs = 0;
  let maxRel = 0;
  let endAbs = 0;
  ref.y.forEach((yr, i) => {
    let err = 0;
    let size = 0;
    for (let j = 0; j < dim; j++) {
      err = Math.max(err, Math.abs(ys[i * dim + j]! - yr[j]!));
      size = Math.max(size, Math.abs(yr[j]!));
    }
    if (Number.isNaN(err)) err = Infinity;
    maxAbs = Math.max(maxAbs, err);
    if (size > 0) maxRel = Math.max(maxRel, err / size);
    endAbs = err;
  });
  return { maxAbs, maxRel, endAbs };
}

/** Flatten float64 states (time-major). */
export function flatten(ys: readonly Float64Array[]): Float64Array {
  const dim = ys[0]?.length ?? 0;
  const out = new Float64Array(ys.length * dim);
  ys.forEach((y, i) => out.set(y, i * dim));
  return out;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `f` wrapped to add the time spent inside it (performance.now) to a counter. */
export function timedField<S>(f: (t: number, y: S) => S): { f: (t: number, y: S) => S; ms(): number } {
  let inside = 0;
  return {
    f: (t, y) => {
      const a = performance.now();
      const r = f(t, y);
      inside += performance.now() - a;
      return r;
    },
    ms: () => inside,
  };
}

/** Cost in µs of the two performance.now() calls the wrapper adds per evaluation. */
export function timerPairMicros(): number {
  const n = 200_000;
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    sink += performance.now() - a;
  }
  const us = ((performance.now() - t0) * 1000) / n;
  if (sink < 0) throw new Error('performance.now() went backwards');
  return us;
}

/** a.bc×10^n as text, for table cells. */
export const sci = (x: number | null): string | null => (x === null ? null : Number.isFinite(x) ? x.toExponential(2) : String(x));
export const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
