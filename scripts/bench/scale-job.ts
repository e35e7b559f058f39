/**
 * What the `scale` suite sends to, and reads back from, its child process
 * (scale-child.ts), and the suite's pure helpers: FLOP counts, the peer's
 * iteration count, ratios and verdicts (tested in test/scripts/scale-job.test.ts).
 */

/** Marks the child's result line on stdout. */
export const SCALE_MARKER = 'SCALE_RESULT';

/** One neural-ODE size: state D, hidden widths, batch B. */
export interface NodeSize {
  D: number;
  hidden: number[];
  B: number;
}

/** The work of the neural-ODE rows, matched to neural_ode_torch.py. */
export const NODE_WORK = {
  /** rk4's largest step (the peer's STEPS = 1 / step). */
  step: 0.1,
  span: 1,
  /** Output times, equally spaced on [0, span] (the peer's T). */
  times: 10,
  lr: 1e-3,
  seed: 20240901,
} as const;

export type ScaleJob =
  | { kind: 'node'; size: NodeSize; gradient: 'backprop' | 'adjoint'; iterations: number; warmup: number; budgetMs: number }
  | { kind: 'lnn'; width: number; layers: number; batch: number; iterations: number; warmup: number }
  | { kind: 'spiral'; adjoint: boolean; iterations: number; budgetMs: number };

export interface ScaleOutcome {
  /** Median ms per training step (per iteration for the spiral) after warm-up. */
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** Timed steps (fewer than asked when the budget ran out first). */
  timed: number;
  /** Median nfe per step: forward, and backward (null without a backward solve). */
  nfeForward: number | null;
  nfeBackward: number | null;
  /** process.resourceUsage().maxRSS at the end (KiB). */
  maxRssKiB: number;
  /** CPU time / wall time over the timed steps: the cores the process kept busy. */
  coresUsed: number;
  backend: string;
  lastLoss: number;
  /** The spiral: the demo's full-trajectory L1 after the iterations. */
  finalL1?: number;
  /** Set when one step took longer than the budget: its time (the other figures are then not measured). */
  overBudgetMs: number | null;
  /** The matrix kernels the process used (core/tensor/kernels.ts kernelsDescription), when the tree has that layer. */
  kernels?: string;
}

/** Forward FLOPs of one MLP evaluation on a batch: 2·B·Σ(in·out) over its dense layers (activations and biases not counted). */
export function mlpForwardFlops(widths: readonly number[], batch: number): number {
  let macs = 0;
  for (let i = 0; i + 1 < widths.length; i++) macs += widths[i]! * widths[i + 1]!;
  return 2 * batch * macs;
}

/** The layer widths of a neural-ODE size's vector field: D → hidden → D. */
export function nodeWidths(size: NodeSize): number[] {
  return [size.D, ...size.hidden, size.D];
}

/**
 * FLOPs of one training step from its field evaluations: each forward
 * evaluation costs `perEval`; its backward pass (gradients with respect to
 * inputs and weights) about 2·perEval. Backprop (no backward solve)
 * differentiates every forward evaluation: 3·perEval·nfeForward. The
 * adjoint's forward evaluations are not differentiated, and each of its
 * backward evaluations is f plus a vjp: perEval·(nfeForward + 3·nfeBackward).
 */
export function stepFlops(perEval: number, nfeForward: number, nfeBackward: number | null): number {
  return nfeBackward === null ? 3 * perEval * nfeForward : perEval * (nfeForward + 3 * nfeBackward);
}

/** Field evaluations of the fixed-grid rk4 solve: each output interval split into the fewest steps no longer than `step`. */
export function rk4Evaluations(times: readonly number[], step: number): number {
  let steps = 0;
  for (let i = 0; i + 1 < times.length; i++) steps += Math.max(1, Math.ceil(Math.abs(times[i + 1]! - times[i]!) / step - 1e-9));
  return 4 * steps;
}

/** `count` equally spaced times on [0, span] (the peer's out_t). */
export function outputTimes(count: number, span: number): number[] {
  return Array.from({ length: count }, (_, i) => (i * span) / (count - 1));
}

/**
 * Nominal FLOPs of one LNN training step (acceleration objective, n
 * coordinates): the network of L (2n → widths → 1) run as one value pass,
 * one reverse pass and n + 1 forward-mode directions (eq. 8's blocks), and
 * the training backward pass about twice that: 3·(n + 3)·2·B·Σ(in·out).
 * A convention for comparing sizes, the same for both sides; the solve and
 * the Gram products are not counted.
 */
export function lnnStepFlops(width: number, layers: number, batch: number, n = 2): number {
  const widths = [2 * n, ...Array.from({ length: layers }, () => width), 1];
  return 3 * (n + 3) * mlpForwardFlops(widths, batch);
}

/** GFLOP/s of `flops` done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/**
 * Iterations to ask of a peer that cannot stop itself on a budget: as many
 * as fit in `seconds` at an assumed `gflopsAssumed` (at least 1, at most `max`),
 * each step at least `floorMs`.
 */
export function peerIterations(flopsPerStep: number, seconds: number, max: number, gflopsAssumed = 20, floorMs = 5): number {
  const stepMs = Math.max(floorMs, flopsPerStep / (gflopsAssumed * 1e6));
  return Math.max(1, Math.min(max, Math.floor((seconds * 1000) / stepMs)));
}

/** odelab / peer, or null when either side is missing. */
export function ratio(odelab: number | null, peer: number | null): number | null {
  if (odelab === null || peer === null || !(peer > 0)) return null;
  return odelab / peer;
}

/** 'met' / 'NOT met' against `≤ target`, or 'n/a' without a ratio. */
export function verdict(value: number | null, target: number): string {
  if (value === null) return 'n/a';
  return value <= target ? 'met' : 'NOT met';
}

/** A size as the table prints it: 16/[512,512]/512. */
export function sizeLabel(size: NodeSize): string {
  return `${size.D}/[${size.hidden.join(',')}]/${size.B}`;
}
