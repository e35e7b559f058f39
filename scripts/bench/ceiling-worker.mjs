// The sweep bench's machine ceiling: a fixed CPU-bound task run on a piscina
// pool of 1 and of 2 threads. It does what a trial's hot loop does (a dense
// tanh layer, 2 -> 50 units on a batch of 20, on Float64Arrays) and nothing
// else: no allocation, no tfjs, no I/O, so its 2-over-1 speed-up is what the
// machine's cores give two threads, the most a sweep can reach. Plain
// JavaScript, so the threads start without tsx.
const UNITS = 50;
const BATCH = 20;
const W = new Float64Array(UNITS * 2).map((_, i) => Math.sin(i) * 0.3);
const x = new Float64Array(BATCH * 2).map((_, i) => Math.cos(i));
const h = new Float64Array(BATCH * UNITS);

/** Runs `reps` passes of the layer; returns the time taken and a checksum (so the work cannot be elided). */
export default function ceilingTask({ reps }) {
  const started = performance.now();
  let checksum = 0;
  for (let r = 0; r < reps; r++) {
    const shift = r * 1e-9;
    for (let b = 0; b < BATCH; b++) {
      const x0 = x[b * 2];
      const x1 = x[b * 2 + 1];
      for (let i = 0; i < UNITS; i++) h[b * UNITS + i] = Math.tanh(W[i * 2] * x0 + W[i * 2 + 1] * x1 + shift);
    }
    checksum += h[r % (BATCH * UNITS)];
  }
  return { ms: performance.now() - started, checksum };
}
