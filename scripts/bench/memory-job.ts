/** What the `memory` suite sends to, and reads back from, its child process (memory-child.ts). */

/** Marks the child's result line on stdout. */
export const RESULT_MARKER = 'MEMORY_RESULT';

export interface MemoryJob {
  /** Gradient plugin name. */
  strategy: string;
  /** rk4 steps over the span (step = span / steps). */
  steps: number;
  span: number;
  hidden: number;
  batch: number;
  seed: number;
  /** Run the gradient once more under tf.profile, as a cross-check of the peak. */
  profile: boolean;
}

export interface MemoryOutcome {
  forwardNfe: number;
  forwardSteps: number;
  backwardNfe: number | null;
  backwardSteps: number | null;
  loss: number;
  /** Wall time of the (unprofiled) gradient, forward and backward. */
  wallMs: number;
  /** tfjs bytes and tensors before the gradient, at its byte peak, and tensors after it. */
  bytesBefore: number;
  peakBytes: number;
  tensorsBefore: number;
  tensorsAtPeak: number;
  tensorsAfter: number;
  /** Current RSS just before the gradient (KiB). */
  rssNowKiB: number;
  /** process.resourceUsage().maxRSS (KiB) before and after the gradient. */
  maxRssBeforeKiB: number;
  maxRssAfterKiB: number;
  /** Largest post-GC heapUsed growth sampled during a separate run of the gradient (null without --expose-gc). */
  heapKeptBytes: number | null;
  /** tf.profile's peakBytes and kernel count on a second run, or why it failed. */
  profilePeakBytes: number | null;
  profileKernels: number | null;
  profileError: string | null;
}
