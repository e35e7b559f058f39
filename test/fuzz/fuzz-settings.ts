/**
 * The fuzz tests' seed and counts: small and fixed in `npm test`, larger on demand.
 * ODELAB_FUZZ_SEED (default 20261206) and ODELAB_FUZZ_RUNS (per property; default each test's small count).
 */
export const FUZZ_SEED = Number(process.env.ODELAB_FUZZ_SEED ?? 20261206);

/** The number of runs of one property: the env variable's, else `small`. */
export function fuzzRuns(small: number, variable = 'ODELAB_FUZZ_RUNS'): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return small;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${variable} must be a positive integer, got '${raw}'`);
  return n;
}
