/**
 * Runge-Kutta order conditions from rooted trees (Butcher's theory; Hairer,
 * Nørsett & Wanner, Solving ODEs I, §II.2, Theorem 2.13): a method has
 * order p when, for every rooted tree τ with at most p nodes,
 * Σ_i b_i Φ_i(τ) = 1 / γ(τ).
 *
 * Trees are built recursively (a tree is a multiset of subtrees under a
 * root), and for each one the stage vector Φ(τ) is computed directly:
 * Φ_i(•) = 1 and Φ_i([τ1 … τm]) = Π_k (A Φ(τk))_i. There are 200 trees up
 * to order 8, so checking DOP853 costs microseconds.
 */

interface Tree {
  order: number;
  /** γ(τ): the tree's density. */
  gamma: number;
  /** Φ_i(τ) for every stage i. */
  phi: Float64Array;
  /** Canonical id, used to enumerate multisets without repeats. */
  id: number;
}

/** All rooted trees with at most `maxOrder` nodes, for the stage matrix `a`. */
function trees(a: readonly (readonly number[])[], maxOrder: number): Tree[] {
  const s = a.length;
  const aTimes = (v: Float64Array) =>
    Float64Array.from({ length: s }, (_, i) => a[i]!.reduce((acc, aij, j) => acc + aij * v[j]!, 0));
  const byOrder: Tree[][] = [[], [{ order: 1, gamma: 1, phi: new Float64Array(s).fill(1), id: 0 }]];
  let nextId = 1;
  // A · Φ(τ) for each tree, computed once.
  const aPhi = new Map<number, Float64Array>();
  const aPhiOf = (t: Tree) => {
    let v = aPhi.get(t.id);
    if (!v) aPhi.set(t.id, (v = aTimes(t.phi)));
    return v;
  };
  const all = () => byOrder.flat();
  for (let n = 2; n <= maxOrder; n++) {
    const out: Tree[] = [];
    // Children as non-decreasing sequences of tree ids whose orders sum to n - 1.
    const pool = all();
    const build = (start: number, remaining: number, children: Tree[]) => {
      if (remaining === 0) {
        const phi = new Float64Array(s).fill(1);
        let gamma = n;
        for (const c of children) {
          const v = aPhiOf(c);
          for (let i = 0; i < s; i++) phi[i]! *= v[i]!;
          gamma *= c.gamma;
        }
        out.push({ order: n, gamma, phi, id: nextId++ });
        return;
      }
      for (let k = start; k < pool.length; k++) {
        const c = pool[k]!;
        if (c.order <= remaining) build(k, remaining - c.order, [...children, c]);
      }
    };
    build(0, n - 1, []);
    byOrder.push(out);
  }
  return all();
}

export interface OrderViolation {
  order: number;
  got: number;
  want: number;
}

/**
 * The first order condition up to `order` that weights `b` miss (with the
 * stage matrix `a`), or undefined when all hold to `tol`.
 */
export function firstViolation(
  a: readonly (readonly number[])[],
  b: readonly number[],
  order: number,
  tol = 1e-10,
): OrderViolation | undefined {
  for (const t of trees(a, order)) {
    const got = b.reduce((acc, bi, i) => acc + bi * t.phi[i]!, 0);
    const want = 1 / t.gamma;
    if (Math.abs(got - want) > tol) return { order: t.order, got, want };
  }
  return undefined;
}

/** Number of rooted trees per order, 1..n (1, 1, 2, 4, 9, 20, 48, 115 ...): a self-check of the enumeration. */
export function treeCounts(n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const t of trees([[]], n)) counts[t.order - 1]!++;
  return counts;
}
