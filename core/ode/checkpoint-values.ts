/**
 * The two kinds of values a checkpoint tape (checkpoint-tape.ts) replays:
 * float64 host arrays through a model's HostField (the fast path, and the
 * float64 reference of the tests), and tfjs tensors through the vector field
 * itself, its vector-Jacobian products taken one evaluation at a time (the
 * model's own `vjp` when it has one, else tfjs's tape on that evaluation).
 */
import type { Vjp } from '../gradient.ts';
import { isolatedGradients } from '../tensor/nested-gradients.ts';
import { tf } from '../tensor/tf.ts';
import type { GradField, ValueAlgebra } from './checkpoint-tape.ts';
import { float64Ops } from './float64-ops.ts';
import type { HostField } from './host-field.ts';
import { tensorOps } from './tensor-ops.ts';
import type { StateOps } from './types.ts';

/** Float64Array values; `precision` sets the integrator's default tolerances (float32 on the training path, as backprop's host tape). */
export function hostAlgebra(precision: StateOps<Float64Array>['precision']): ValueAlgebra<Float64Array> {
  return {
    precision,
    combine: float64Ops.combine,
    scaledSquares: float64Ops.scaledSquares,
    errorSquares: float64Ops.errorSquares,
    addScaled(acc, s, x) {
      const out = acc ?? new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) out[i]! += s * x[i]!;
      return out;
    },
    keep: (v) => v, // never written after it is made
    dispose: () => {},
    bytes: (v) => v.byteLength,
  };
}

/** A HostField as a GradField; parameter gradients are added to `dParams` (one array per variable). */
export function hostGradField(field: HostField, dParams: readonly Float64Array[]): GradField<Float64Array> {
  return {
    value(t, x) {
      const y = new Float64Array(x.length);
      const saved = field.value(t, x, y);
      return { y, saved };
    },
    vjp(t, x, saved, g) {
      const dx = new Float64Array(x.length);
      field.vjp(t, x, saved, g, dx, dParams);
      return dx;
    },
    discard: (saved) => field.discard(saved),
  };
}

export const tensorAlgebra: ValueAlgebra<tf.Tensor> = {
  precision: 'float32',
  combine: (y, h, coeffs, ks) =>
    tf.tidy(() => {
      // Every value is the tape's own: a combination with no terms returns y itself.
      const out = tensorOps.combine(y, h, coeffs, ks);
      return out === y ? tf.clone(y) : out;
    }),
  scaledSquares: tensorOps.scaledSquares,
  errorSquares: tensorOps.errorSquares,
  addScaled(acc, s, x) {
    const out = tf.tidy(() => {
      const term = s === 1 ? tf.clone(x) : tf.mul(x, s);
      return acc ? tf.add(acc, term) : term;
    });
    acc?.dispose();
    return out;
  },
  // Kept out of the enclosing scope: snapshots outlive the custom op's forward function.
  keep: (v) => tf.keep(tf.clone(v)),
  dispose: (v) => v.dispose(),
  bytes: (v) => v.size * 4,
};

/**
 * func as a GradField on tensors. The parameter gradients are summed into
 * `grads()` (one tensor per param, zeros for a param func does not use).
 */
export function tensorGradField(
  func: (t: number, x: tf.Tensor) => tf.Tensor,
  params: readonly tf.Variable[],
  vjp?: Vjp,
): GradField<tf.Tensor> & { grads(): tf.Tensor[] } {
  let sums: (tf.Tensor | null)[] = params.map(() => null);
  const accumulate = (parts: readonly (tf.Tensor | null)[]) => {
    sums = sums.map((acc, i) => {
      const p = parts[i];
      if (!p) return acc;
      if (!acc) return tf.keep(tf.clone(p));
      const next = tf.keep(tf.add(acc, p));
      acc.dispose();
      return next;
    });
  };
  return {
    value: (t, x) => ({ y: tf.tidy(() => {
      const y = func(t, x);
      return y === x ? tf.clone(x) : y;
    }), saved: null }),
    vjp(t, x, _saved, g) {
      return tf.tidy(() => {
        if (vjp) {
          const r = vjp(t, x, g);
          accumulate(r.dParams);
          return r.dx;
        }
        const { grads } = isolatedGradients(() => tf.sum(tf.mul(func(t, x), g)) as tf.Scalar, [x, ...params]);
        accumulate(grads.slice(1));
        return grads[0] ?? tf.zerosLike(x);
      });
    },
    discard: () => {},
    grads: () => sums.map((s, i) => s ?? tf.zeros(params[i]!.shape)),
  };
}
