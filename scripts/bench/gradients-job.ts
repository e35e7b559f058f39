/** What the `gradients` suite sends to, and reads back from, its child process (gradients-child.ts). */

export const RESULT_MARKER = 'GRADIENTS_RESULT';

export interface GradientsJob {
  /**
   * 'neural-ode': an MLP field on 2 dimensions; 'lorenz': Lorenz's field plus an MLP on 3 (chaotic and
   * dissipative); 'lnn': a Lagrangian neural network on double-pendulum states (no host field: tensors).
   */
  workload: 'neural-ode' | 'lorenz' | 'lnn';
  /** Gradient plugin name and its options. */
  strategy: string;
  options: Record<string, unknown>;
  /** rk4 steps over [0, span]. */
  steps: number;
  span: number;
  hidden: number;
  batch: number;
  seed: number;
  /** Timed repetitions (the median is reported). */
  reps: number;
}

export interface GradientsOutcome {
  forwardNfe: number;
  backwardNfe: number | null;
  /** Median wall time of one gradient (forward and backward). */
  wallMs: number;
  /** tfjs's peak bytes over the first gradient, above the bytes before it. */
  tfjsPeakBytes: number;
  /** Largest post-GC growth of JS heap + array buffers sampled at field evaluations of the first gradient (its pools filled there) (host memory the strategy holds). */
  hostKeptBytes: number | null;
  /** The replayed strategies' own count: the snapshots' bytes at their peak. */
  snapshotBytes: number | null;
  /** process.resourceUsage().maxRSS growth over the first gradient, and the peak (KiB). */
  rssGrowthKiB: number;
  maxRssKiB: number;
  /**
   * ‖g − g_ref‖ / ‖g_ref‖ over every parameter, g_ref the float64 exact gradient of the same discrete solve
   * (for the LNN, which has no float64 path: backprop's float32 gradient).
   */
  error: number;
}
