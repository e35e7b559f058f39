/**
 * Angle wrapping for generalised coordinates that are angles: a network sees
 * θ in one period, so that θ and θ + 2π are the same input.
 */

const TWO_PI = 2 * Math.PI;

/** `a` wrapped to [−π, π) (a + 2πk for the integer k that lands there). */
export function wrapAngle(a: number): number {
  let w = a - TWO_PI * Math.floor((a + Math.PI) / TWO_PI);
  // Rounding in the line above can land exactly on an end of the interval.
  if (w >= Math.PI) w -= TWO_PI;
  else if (w < -Math.PI) w += TWO_PI;
  return w;
}

/**
 * A copy of the state `x` with each coordinate i < angles.length that is an
 * angle (angles[i]) wrapped to [−π, π); the other components (velocities
 * included) are copied unchanged.
 */
export function wrapAngles(x: Float64Array, angles: readonly boolean[]): Float64Array {
  if (angles.length > x.length) {
    throw new RangeError(`wrapAngles: ${angles.length} angle flags for a state of length ${x.length}`);
  }
  const out = x.slice();
  for (let i = 0; i < angles.length; i++) if (angles[i]) out[i] = wrapAngle(x[i]!);
  return out;
}
