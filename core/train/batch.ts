/**
 * Training batches as in the torchdiffeq demo: random segments of
 * `batchTime` consecutive samples, integrated from their first sample.
 * The models are autonomous, so each segment's times start at 0.
 */
import type { Rng } from '../random.ts';
import { tf } from '../tensor/tf.ts';
import type { TrajectorySet } from './data.ts';

export interface Batch {
  /** Initial states [batch, dim]. */
  y0: tf.Tensor2D;
  /** Relative output times, length batchTime. */
  t: number[];
  /** Targets [batchTime, batch, dim] (target[0] equals y0). */
  target: tf.Tensor3D;
}

/** Segments starting at (trajectory, point) pairs. */
export function segmentsBatch(
  set: TrajectorySet,
  grid: readonly number[],
  batchTime: number,
  starts: readonly { k: number; p: number }[],
): Batch {
  const { dim, points } = set;
  const b = starts.length;
  const target = new Float32Array(batchTime * b * dim);
  starts.forEach(({ k, p }, j) => {
    for (let i = 0; i < batchTime; i++) {
      const src = (k * points + p + i) * dim;
      target.set(set.values.subarray(src, src + dim), (i * b + j) * dim);
    }
  });
  return {
    y0: tf.tensor2d(target.subarray(0, b * dim), [b, dim]),
    t: grid.slice(0, batchTime).map((x) => x - grid[0]!),
    target: tf.tensor3d(target, [batchTime, b, dim]),
  };
}

/** A random batch of `size` segments. */
export function sampleBatch(rng: Rng, set: TrajectorySet, grid: readonly number[], batchTime: number, size: number): Batch {
  const starts = Array.from({ length: size }, () => ({ k: rng.int(set.count), p: rng.int(set.points - batchTime + 1) }));
  return segmentsBatch(set, grid, batchTime, starts);
}

export function disposeBatch(b: Batch): void {
  b.y0.dispose();
  b.target.dispose();
}
