/**
 * Where checkpoints go: binomial (revolve-style) placement when the number
 * of steps is known, an online thinning scheme when it is not.
 *
 * Griewank (1992) and Griewank & Walther (ACM TOMS 26, 2000, `revolve`):
 * with s free snapshots and at most r recomputations of any step, at most
 * β(s, r) = C(s + r, s) steps can be reversed, and β(s, r) = β(s - 1, r) +
 * β(s, r - 1) says where to put the next snapshot: after m steps with
 * l - β(s - 1, r) ≤ m ≤ β(s, r - 1), the right part is reversed with one
 * snapshot less and the left with one repetition less. `splitPoint` takes
 * the smallest such m (the least recomputation before the snapshot).
 *
 * When the number of steps is unknown (adaptive methods), the forward pass
 * keeps equally spaced snapshots and halves them whenever there are more than
 * its share of the budget (spacing 1, 2, 4, ...): at most that share are held
 * at any time, and the backward pass reverses each interval between them
 * binomially with the rest of the budget. This is a simple online scheme with
 * a bounded memory, not Stumm & Walther's (SIAM J. Sci. Comput. 32, 2010)
 * optimal online placement.
 */

/** β(s, r) = C(s + r, s), as a float (Infinity when it overflows). */
export function binomialSteps(s: number, r: number): number {
  let v = 1;
  for (let i = 1; i <= Math.min(s, r); i++) v = (v * (Math.max(s, r) + i)) / i;
  return Math.round(v);
}

/** The smallest number of repetitions r with β(s, r) ≥ l (l ≥ 1, s ≥ 0; s = 0 means l itself). */
export function repetitions(l: number, s: number): number {
  if (s === 0) return l;
  let r = 0;
  while (binomialSteps(s, r) < l) r++;
  return r;
}

/**
 * How many steps to advance before storing a snapshot, reversing l ≥ 2
 * steps with s ≥ 1 free snapshots: in [1, l - 1].
 */
export function splitPoint(l: number, s: number): number {
  const r = repetitions(l, s);
  const m = l - binomialSteps(s - 1, r);
  return Math.min(l - 1, Math.max(1, m));
}

/** Decides, during the forward pass, at which boundaries a snapshot is stored. */
export interface Placement {
  /** Whether to store a snapshot at boundary b (b = 0 is the initial state: always stored). */
  store(b: number): boolean;
  /** Boundaries whose snapshots may be dropped now (online thinning). */
  drop(): number[];
}

/**
 * Revolve's forward sweep for `steps` known steps and `slots` snapshots in
 * all (the initial one included): the chain of split points.
 */
export function binomialPlacement(steps: number, slots: number): Placement {
  const marks = new Set<number>([0]);
  let p = 0;
  let free = slots - 1;
  while (free > 0 && steps - p > 1) {
    p += splitPoint(steps - p, free);
    marks.add(p);
    free--;
  }
  return { store: (b) => marks.has(b), drop: () => [] };
}

/** Online: at most `held` snapshots, equally spaced, thinned by halves as the solve grows. */
export function onlinePlacement(held: number): Placement {
  let spacing = 1;
  const kept: number[] = [];
  let dropped: number[] = [];
  return {
    store(b) {
      if (b % spacing !== 0) return false;
      kept.push(b);
      while (kept.length > Math.max(1, held)) {
        spacing *= 2;
        const stay = kept.filter((k) => k % spacing === 0);
        dropped = dropped.concat(kept.filter((k) => k % spacing !== 0));
        kept.length = 0;
        kept.push(...stay);
      }
      return kept.includes(b);
    },
    drop() {
      const out = dropped;
      dropped = [];
      return out;
    },
  };
}

/** Every boundary: the symplectic adjoint's forward pass (the state at each step). */
export const everyBoundary: Placement = { store: () => true, drop: () => [] };
