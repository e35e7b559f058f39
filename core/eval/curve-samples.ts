/**
 * Enough points to draw a trajectory as a smooth curve.
 *
 * Rollouts are evaluated at the dataset's frames (101 over 5 s for the quick
 * double pendulum), and a line through them alone is a visible polygon
 * where the motion is fast. Between two frames the curve is drawn as the
 * cubic Hermite interpolant through the two states and the vector field's
 * slopes there (the dense output of a third-order method): the states drawn
 * at the frames are the evaluated ones, unchanged, and no re-integration on
 * a finer grid alters what a fixed-step integrator would have computed.
 *
 * Each interval is cut into enough pieces that the chords drawn stay within
 * 1/1000 of each component's range of the curve (about half a pixel on a
 * 500-pixel panel), and every trajectory gets at least `minPoints` samples.
 */

/** A trajectory sampled for drawing: x[p] is the state at t[p]. */
export interface CurveSamples {
  t: number[];
  x: Float64Array[];
}

export interface CurveSampleOptions {
  /** Samples at least (default 500): intervals are cut evenly until there are. */
  minPoints?: number;
  /** Pieces per interval at most (default 64), so that a blown-up rollout stays cheap to draw. */
  maxPieces?: number;
  /** Largest distance of a chord from the curve, as a fraction of each component's range (default 1e-3). */
  tolerance?: number;
}

/**
 * Sample the curve through the frames (t[p], x[p]) with slopes dxdt[p] densely.
 * Non-finite slopes fall back to the straight line; non-finite states stay
 * gaps. The frames themselves are among the samples, exactly.
 */
export function sampleCurve(t: readonly number[], x: readonly Float64Array[], dxdt: readonly Float64Array[], options: CurveSampleOptions = {}): CurveSamples {
  const frames = Math.min(t.length, x.length, dxdt.length);
  if (frames < 2) return { t: t.slice(0, frames), x: x.slice(0, frames).map((s) => Float64Array.from(s)) };
  const { minPoints = 500, maxPieces = 64, tolerance = 1e-3 } = options;
  const even = Math.ceil((minPoints - 1) / (frames - 1));
  const ranges = componentRanges(x, frames);
  const out: CurveSamples = { t: [t[0]!], x: [Float64Array.from(x[0]!)] };
  for (let i = 0; i + 1 < frames; i++) {
    const h = t[i + 1]! - t[i]!;
    const pieces = Math.min(maxPieces, Math.max(even, piecesFor(h, x[i]!, x[i + 1]!, dxdt[i]!, dxdt[i + 1]!, ranges, tolerance)));
    for (let j = 1; j <= pieces; j++) {
      const s = j / pieces;
      out.t.push(j === pieces ? t[i + 1]! : t[i]! + s * h);
      out.x.push(j === pieces ? Float64Array.from(x[i + 1]!) : hermite(h, s, x[i]!, x[i + 1]!, dxdt[i]!, dxdt[i + 1]!));
    }
  }
  return out;
}

/** max - min of each component over the finite values (0 when there are none). */
function componentRanges(x: readonly Float64Array[], frames: number): Float64Array {
  const dim = x[0]!.length;
  const lo = new Float64Array(dim).fill(Infinity);
  const hi = new Float64Array(dim).fill(-Infinity);
  for (let p = 0; p < frames; p++) {
    for (let d = 0; d < dim; d++) {
      const v = x[p]![d]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo[d]!) lo[d] = v;
      if (v > hi[d]!) hi[d] = v;
    }
  }
  return lo.map((l, d) => (hi[d]! > l ? hi[d]! - l : 0));
}

/**
 * Pieces that bring the chord within `tolerance` of the curve. A cubic's
 * distance from its chord is at most about h (|m0 - c| + |m1 - c|) / 4 with
 * c the chord's slope (exactly a quarter of that for a parabola), and
 * cutting it into k pieces divides the distance by k².
 */
function piecesFor(h: number, x0: Float64Array, x1: Float64Array, m0: Float64Array, m1: Float64Array, ranges: Float64Array, tolerance: number): number {
  let worst = 0;
  for (let d = 0; d < x0.length; d++) {
    const range = ranges[d]!;
    const c = (x1[d]! - x0[d]!) / h;
    const bow = (Math.abs(h) * (Math.abs(m0[d]! - c) + Math.abs(m1[d]! - c))) / 4 / range;
    if (range > 0 && Number.isFinite(bow) && bow > worst) worst = bow;
  }
  return Math.max(1, Math.ceil(Math.sqrt(worst / tolerance)));
}

/** The cubic Hermite interpolant at x0 + s h, each component on its own; the chord where a slope is not finite. */
function hermite(h: number, s: number, x0: Float64Array, x1: Float64Array, m0: Float64Array, m1: Float64Array): Float64Array {
  const s2 = s * s;
  const s3 = s2 * s;
  const h00 = 2 * s3 - 3 * s2 + 1;
  const h10 = s3 - 2 * s2 + s;
  const h01 = -2 * s3 + 3 * s2;
  const h11 = s3 - s2;
  return x0.map((a, d) => {
    const b = x1[d]!;
    const da = m0[d]!;
    const db = m1[d]!;
    if (!Number.isFinite(da) || !Number.isFinite(db)) return a + s * (b - a);
    return h00 * a + h10 * h * da + h01 * b + h11 * h * db;
  });
}
