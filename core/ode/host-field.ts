/**
 * A vector field on host memory: what a model offers so that a whole
 * backpropagated solve can run outside tfjs (core/ode/host-backprop.ts).
 *
 * States are float64, row-major [rows, dim]. The parameters are the
 * model's variables, read once when the field is bound (one training
 * step), so the field is fixed for the solve.
 */
export interface HostField {
  /** Write f(t, x) into `out` (as long as x); returns what its vector-Jacobian product will need (`saved`). */
  value(t: number, x: Float64Array, out: Float64Array): unknown;
  /**
   * Add gᵀ ∂f/∂x at (t, x) to dx and gᵀ ∂f/∂θ to each of dParams (one array
   * per variable, in the model's order). Consumes `saved` from value(t, x).
   */
  vjp(t: number, x: Float64Array, saved: unknown, g: Float64Array, dx: Float64Array, dParams: readonly Float64Array[]): void;
  /** Give back what `saved` holds when no vjp will follow. */
  discard(saved: unknown): void;
}

/**
 * Binds a model's host field for a batch of `rows` states with the
 * variables' current values, or returns null when the host path does not
 * apply now (another backend, fused kernels off, a size the tape does better).
 */
export type HostFieldBinder = (rows: number) => HostField | null;
