/**
 * The symplectic adjoint (Matsubara, Miyatake & Yaguchi, "Symplectic Adjoint
 * Method for Exact Gradient of Neural ODE with Minimal Memory", NeurIPS 2021):
 * the adjoint system integrated with the symplectic partner of the forward
 * Runge-Kutta method gives the exact gradient of the forward discretisation.
 *
 * The partner of (a, b) is (ā, b) with b_i ā_ij + b_j a_ji − b_i b_j = 0
 * (Sanz-Serna 2016; the paper's eq. 7): ā_ij = b_j (1 − a_ji / b_i). Integrated
 * backwards over one step, from λ_{n+1} to λ_n, it is explicit:
 *   Λ_i = λ_{n+1} − h Σ_{j>i} (b_j a_ji / b_i) ℓ_j,  ℓ_i = −J(Y_i)ᵀ Λ_i,
 *   λ_n = λ_{n+1} − h Σ_i b_i ℓ_i,
 * which is the stage-wise reverse mode of the step with κ_i = h b_i Λ_i:
 *   κ_i = h (b_i λ_{n+1} + Σ_{j>i} a_ji μ_j),  μ_i = J(Y_i)ᵀ κ_i,  λ_n = λ_{n+1} + Σ_i μ_i.
 * The strategy runs that division-free form (checkpoint-tape.ts), so methods
 * with a zero weight b_i (dopri5's b₂ and b₇, dopri8's, where ā is undefined)
 * need no special treatment: their κ_i carries only the later stages' terms.
 * The test of this file checks the partner conditions for every tableau with
 * nonzero weights and that one step of the partner recursion above equals the
 * tape's reverse of that step.
 *
 * Memory: the forward pass keeps the states carried into each accepted step
 * (y, and f(t, y) for FSAL and dense-output methods; no stages, no tape); the
 * backward pass recomputes one step's stages from its stored state: O(N + s)
 * states for N steps of s stages.
 */
import type { Trajectory, TrajectoryRequest } from '../gradient.ts';
import { everyBoundary } from './checkpoint-schedule.ts';
import { replayTrajectory, type ReplayStats } from './checkpoint.ts';
import type { ButcherTableau } from './tableau.ts';

export interface SymplecticPartner {
  /** ā (s × s, full); null when some weight is zero (the partner is undefined there). */
  aBar: number[][] | null;
  /** Stages with b_i = 0. */
  zeroWeights: number[];
}

/** The symplectic partner of an explicit tableau's (a, b). */
export function symplecticPartner(tab: ButcherTableau): SymplecticPartner {
  const s = tab.stages;
  const a = (i: number, j: number) => (j < i ? tab.a[i]![j]! : 0);
  const zeroWeights = tab.b.flatMap((bi, i) => (bi === 0 ? [i] : []));
  if (zeroWeights.length > 0) return { aBar: null, zeroWeights };
  const aBar = Array.from({ length: s }, (_, i) => Array.from({ length: s }, (_, j) => tab.b[j]! * (1 - a(j, i) / tab.b[i]!)));
  return { aBar, zeroWeights };
}

/** max |b_i ā_ij + b_j a_ji − b_i b_j| over all i, j: zero (to rounding) for a symplectic pair. */
export function symplecticityResidual(tab: ButcherTableau, aBar: readonly (readonly number[])[]): number {
  const s = tab.stages;
  const a = (i: number, j: number) => (j < i ? tab.a[i]![j]! : 0);
  let worst = 0;
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) worst = Math.max(worst, Math.abs(tab.b[i]! * aBar[i]![j]! + tab.b[j]! * a(j, i) - tab.b[i]! * tab.b[j]!));
  }
  return worst;
}

/**
 * The symplectic adjoint's trajectory: states stored at every step, each
 * step's stages recomputed and reversed once in the backward pass.
 */
export function symplecticAdjointTrajectory(req: TrajectoryRequest): Trajectory & { replay: ReplayStats } {
  return replayTrajectory(req, () => ({ slots: Infinity, placement: everyBoundary }));
}
