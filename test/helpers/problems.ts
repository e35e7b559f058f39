/**
 * Reference problems with known answers, in one place: the system plugins'
 * float64 fields, tfjs versions for the tensor path, and their SciPy references.
 */
import { instantiateSystem } from '../../core/physics/instantiate.ts';
import { tf } from 'odelab';
import type { System } from 'odelab/plugin';
import { createRegistry } from 'odelab/node';
import { loadReference, type Reference } from './reference.ts';

const registry = createRegistry();

export function system(name: string, options: object = {}): System {
  const p = registry.get('system', name);
  return instantiateSystem(p, p.options.parse(options, 'system') as never);
}

export interface ReferenceProblem {
  name: string;
  ref: Reference;
  f64: (t: number, y: Float64Array) => Float64Array;
  /** The same field on tensors of shape [batch, dim]. */
  tensor: (t: number, y: tf.Tensor) => tf.Tensor;
  /** Chaotic: compare over a short horizon only. */
  chaotic?: boolean;
}

const spiralA = () => tf.tensor2d([[-0.1, 2.0], [-2.0, -0.1]]);

export function referenceProblems(): ReferenceProblem[] {
  const spiral = system('spiral');
  const kepler = system('kepler');
  const dp = system('double-pendulum');
  return [
    {
      name: 'spiral',
      ref: loadReference('spiral'),
      f64: (t, y) => spiral.derivative(t, y),
      tensor: (_t, y) => tf.matMul(tf.pow(y, 3) as tf.Tensor2D, spiralA()),
    },
    {
      name: 'kepler-ellipse',
      ref: loadReference('kepler-ellipse'),
      f64: (t, y) => kepler.derivative(t, y),
      tensor: (_t, y) => {
        const [r, v] = tf.split(y, 2, 1);
        const r2 = tf.sum(tf.square(r!), 1, true);
        return tf.concat([v!, tf.mul(r!, tf.div(-1, tf.mul(r2, tf.sqrt(r2))))], 1);
      },
    },
    {
      name: 'double-pendulum-b',
      ref: loadReference('double-pendulum-b'),
      f64: (t, y) => dp.derivative(t, y),
      tensor: () => {
        throw new Error('not used on tensors');
      },
    },
    {
      name: 'double-pendulum-a',
      ref: loadReference('double-pendulum-a'),
      f64: (t, y) => dp.derivative(t, y),
      tensor: () => {
        throw new Error('not used on tensors');
      },
      chaotic: true,
    },
  ];
}

/** Largest |y - ref| over all times, relative to the largest |ref|. */
export function relativeError(ys: ArrayLike<number>[], ref: number[][]): number {
  let err = 0;
  let scale = 0;
  ys.forEach((y, i) => {
    for (let d = 0; d < y.length; d++) {
      err = Math.max(err, Math.abs(y[d]! - ref[i]![d]!));
      scale = Math.max(scale, Math.abs(ref[i]![d]!));
    }
  });
  return err / scale;
}
