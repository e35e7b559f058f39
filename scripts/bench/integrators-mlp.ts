/**
 * Tensor-path solver overhead against the cost of the vector field it
 * drives: one evaluation of a 2-50-2 tanh MLP on a [20, 2] batch, and the
 * overhead per step of dopri5 on the tensor path with that MLP as f
 * (10 output times on [0, 0.225], rtol = atol = 1e-5), on one backend.
 */
import { tf } from '../../core/tensor/tf.ts';
import { initBackend } from '../../core/tensor/backend.ts';
import { Rng } from '../../core/random.ts';
import { odeintWithStats, type SolveStats } from 'odelab';
import { median, timedField } from './integrators-problems.ts';

export const MLP_BATCH = 20;
export const MLP_HIDDEN = 50;
export const MLP_TIMES = Array.from({ length: 10 }, (_, i) => i * 0.025);
/** Output grids: the demo's training segment, and a long solve whose per-step figure is free of fixed costs. */
export const MLP_SPANS = {
  segment: MLP_TIMES,
  long: Array.from({ length: 10 }, (_, i) => (i * 20) / 9),
} as const;
export type MlpSpan = keyof typeof MLP_SPANS;
export const MLP_TOL = { rtol: 1e-5, atol: 1e-5 };
const SEED = 20240617;

/** Rounds alternate `evalsPerRound` timed evaluations and `solvesPerRound` timed solves, after a warm-up. */
export interface MlpTiming {
  rounds: number;
  evalsPerRound: number;
  solvesPerRound: number;
}

export type MlpResult =
  | {
      backend: string;
      span: MlpSpan;
      available: true;
      /** Median µs of one MLP evaluation inside tf.tidy. */
      evalMicros: number;
      evals: number;
      nfe: number;
      steps: number;
      rejected: number;
      /** Median ms of one solve. */
      solveMs: number;
      /** Median µs per evaluation of f inside the solve (not tidied there). */
      fMicrosInSolve: number;
      /** Median over solves of (solve time - time inside f) / (accepted + rejected). */
      overheadMicrosPerStep: number;
      /** Median over solves of (solve time - time inside f). */
      overheadMicrosPerSolve: number;
      /** overheadMicrosPerStep / evalMicros. */
      ratio: number;
      solves: number;
    }
  | { backend: string; span: MlpSpan; available: false; reason: string };

/**
 * Weights fixed by a seed: W1 ~ N(0, 1), b1 ~ N(0, 0.5²), W2 ~ N(0, 1/50),
 * b2 = 0, so that f is O(1) on the batch and the solve takes several steps
 * (the demo's N(0, 0.1²) init gives a nearly constant field and one step).
 */
function makeMlp(): { f: (t: number, y: tf.Tensor) => tf.Tensor; y0: tf.Tensor; dispose(): void } {
  const rng = new Rng(SEED);
  const normal = (n: number, std: number) => Array.from({ length: n }, () => std * rng.normal());
  const w1 = tf.tensor2d(normal(2 * MLP_HIDDEN, 1), [2, MLP_HIDDEN]);
  const b1 = tf.tensor1d(normal(MLP_HIDDEN, 0.5));
  const w2 = tf.tensor2d(normal(MLP_HIDDEN * 2, 1 / Math.sqrt(MLP_HIDDEN)), [MLP_HIDDEN, 2]);
  const b2 = tf.zeros([2]);
  const y0 = tf.tensor2d(Array.from({ length: MLP_BATCH * 2 }, () => rng.range(-2, 2)), [MLP_BATCH, 2]);
  return {
    f: (_t, y) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(y, w1), b1)), w2), b2),
    y0,
    dispose: () => tf.dispose([w1, b1, w2, b2, y0]),
  };
}

export async function measureMlp(backend: 'cpu' | 'wasm', timing: MlpTiming, span: MlpSpan): Promise<MlpResult> {
  try {
    await initBackend(backend);
  } catch (e) {
    return { backend, span, available: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const times = MLP_SPANS[span];
  const before = tf.memory().numTensors;
  const mlp = makeMlp();
  try {
    const evalOnce = (): number => {
      const t0 = performance.now();
      tf.tidy(() => {
        mlp.f(0, mlp.y0);
      });
      return performance.now() - t0;
    };
    const solveOnce = () => {
      const field = timedField(mlp.f);
      let total = 0;
      let stats: SolveStats = { nfe: 0, steps: 0, rejected: 0 };
      tf.tidy(() => {
        const t0 = performance.now();
        stats = odeintWithStats(field.f, mlp.y0, times, { method: 'dopri5', ...MLP_TOL }).stats;
        total = performance.now() - t0;
      });
      return { stats, total, inside: field.ms() };
    };
    for (let i = 0; i < 300; i++) evalOnce();
    for (let i = 0; i < 10; i++) solveOnce();
    const evalTimes: number[] = [];
    const runs: ReturnType<typeof solveOnce>[] = [];
    for (let r = 0; r < timing.rounds; r++) {
      for (let i = 0; i < timing.evalsPerRound; i++) evalTimes.push(evalOnce());
      for (let i = 0; i < timing.solvesPerRound; i++) runs.push(solveOnce());
    }
    const s0 = runs[0]!.stats;
    if (runs.some((r) => r.stats.nfe !== s0.nfe || r.stats.steps !== s0.steps)) throw new Error(`${backend}: MLP solves differ in steps`);
    const { nfe, steps, rejected } = runs[0]!.stats;
    const evalMicros = median(evalTimes) * 1000;
    const overheadMicrosPerStep = median(runs.map((r) => ((r.total - r.inside) * 1000) / (r.stats.steps + r.stats.rejected)));
    return {
      backend,
      span,
      available: true,
      evalMicros,
      evals: evalTimes.length,
      nfe,
      steps,
      rejected,
      solveMs: median(runs.map((r) => r.total)),
      fMicrosInSolve: median(runs.map((r) => (r.inside * 1000) / r.stats.nfe)),
      overheadMicrosPerStep,
      overheadMicrosPerSolve: median(runs.map((r) => (r.total - r.inside) * 1000)),
      ratio: overheadMicrosPerStep / evalMicros,
      solves: runs.length,
    };
  } finally {
    mlp.dispose();
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) throw new Error(`${backend}: ${leaked} tensors left after the MLP measurements`);
  }
}
