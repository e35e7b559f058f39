/**
 * Butcher tableaus that check themselves when constructed.
 *
 * A Runge-Kutta method is data: nodes c, the strictly lower-triangular
 * matrix a, the weights b, optionally embedded weights for the error
 * estimate and an interpolant between step points (the "dense output"). Construction verifies shapes,
 * row sums (Σ_j a_ij = c_i), every order condition up to the claimed order
 * of b and of the embedded weights (rooted trees, see order-conditions.ts),
 * that error weights sum to 0, the FSAL property, and that the interpolant
 * starts at y0 and ends at the step's solution. A wrong coefficient fails at
 * import time, not as a silently wrong trajectory.
 */
import { firstViolation } from './order-conditions.ts';

/** An interpolant inside a step (dense output): y(t0 + θh) = y0 + h Σ_i w_i(θ) k_i. */
export interface InterpolantSpec {
  /** Order of the interpolant. */
  order: number;
  /**
   * Extra stages evaluated only when an output time falls inside a step
   * (DOP853): their nodes and rows of a, over all previous stages.
   */
  extraC?: readonly number[];
  extraA?: readonly (readonly number[])[];
  /** Weights over all stages (extra ones included) at θ in [0, 1]. */
  weights(theta: number): number[];
}

export interface TableauSpec {
  /** Method name, for messages. */
  name: string;
  /** Nodes c_i, one per stage; c_0 = 0 for explicit methods. */
  c: readonly number[];
  /** Row i holds a_i0 .. a_i(i-1) (explicit: strictly lower triangular). */
  a: readonly (readonly number[])[];
  /** Weights of the propagated solution. */
  b: readonly number[];
  /** Order of the propagated solution. */
  order: number;
  /** Weights of the embedded solution used for the error estimate (adaptive pairs). */
  bHat?: readonly number[];
  /** Order of the embedded solution. */
  embeddedOrder?: number;
  /**
   * A second, lower-order embedded solution (DOP853's 3rd-order one). When
   * present the error estimate is Hairer's combination of the two
   * (Solving ODEs I, §II.10, DOP853).
   */
  bHatLow?: readonly number[];
  lowOrder?: number;
  /** q in the step-size exponent 1/(q+1); default: embeddedOrder. */
  errorEstimatorOrder?: number;
  /** First-same-as-last: the last stage is f(t+h, y_{n+1}), reused as the next first stage. */
  fsal?: boolean;
  interpolant?: InterpolantSpec;
}

const TOL = 1e-12;
const sum = (xs: readonly number[]) => xs.reduce((acc, x) => acc + x, 0);

/** A validated Butcher tableau. */
export class ButcherTableau {
  readonly name: string;
  readonly c: readonly number[];
  readonly a: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly order: number;
  readonly fsal: boolean;
  readonly interpolant?: InterpolantSpec;
  /** b - bHat: weights of the local error estimate (adaptive methods). */
  readonly errorWeights?: readonly number[];
  /** b - bHatLow (DOP853's second estimate). */
  readonly errorWeightsLow?: readonly number[];
  /** q in the step-size exponent 1/(q+1). */
  readonly errorEstimatorOrder?: number;
  readonly embeddedOrder?: number;
  readonly lowOrder?: number;

  constructor(spec: TableauSpec) {
    this.name = spec.name;
    this.c = spec.c;
    this.a = spec.a;
    this.b = spec.b;
    this.order = spec.order;
    this.fsal = spec.fsal ?? false;
    this.interpolant = spec.interpolant;
    this.embeddedOrder = spec.embeddedOrder;
    this.lowOrder = spec.lowOrder;
    this.validateShape(spec);
    this.validateOrder(spec.b, spec.order, 'b');
    if (spec.bHat) {
      if (spec.embeddedOrder === undefined) this.fail('bHat is given but embeddedOrder is not');
      this.validateOrder(spec.bHat, spec.embeddedOrder, 'bHat');
      this.errorWeights = this.b.map((bi, i) => bi - spec.bHat![i]!);
      this.errorEstimatorOrder = spec.errorEstimatorOrder ?? spec.embeddedOrder;
    }
    if (spec.bHatLow) {
      if (!spec.bHat || spec.lowOrder === undefined) this.fail('bHatLow needs bHat and lowOrder');
      this.validateOrder(spec.bHatLow, spec.lowOrder, 'bHatLow');
      this.errorWeightsLow = this.b.map((bi, i) => bi - spec.bHatLow![i]!);
    }
    for (const w of [this.errorWeights, this.errorWeightsLow]) {
      if (w && Math.abs(sum(w)) > 1e-10) this.fail(`error weights must sum to 0, got ${sum(w)}`);
    }
    if (this.fsal) this.validateFsal();
    if (spec.interpolant) this.validateInterpolant(spec.interpolant);
  }

  /** The embedded weights b - errorWeights (undefined for fixed-step methods). */
  bHatFor(): number[] | undefined {
    return this.errorWeights?.map((e, i) => this.b[i]! - e);
  }

  /** Number of stages of a step (without dense-output extras). */
  get stages(): number {
    return this.c.length;
  }

  /** Whether the method estimates its error (can be adaptive). */
  get adaptive(): boolean {
    return this.errorWeights !== undefined;
  }

  private fail(why: string): never {
    throw new Error(`Butcher tableau '${this.name}' is inconsistent: ${why}`);
  }

  private validateShape(spec: TableauSpec): void {
    const s = this.c.length;
    if (s === 0) this.fail('no stages');
    if (this.c[0] !== 0) this.fail('c[0] must be 0 for an explicit method');
    if (this.a.length !== s) this.fail(`a has ${this.a.length} rows, expected ${s}`);
    for (const [label, w] of [['b', spec.b], ['bHat', spec.bHat], ['bHatLow', spec.bHatLow]] as const) {
      if (w && w.length !== s) this.fail(`${label} has ${w.length} entries, expected ${s}`);
    }
    this.a.forEach((row, i) => this.checkRow(row, i, this.c[i]!));
  }

  private checkRow(row: readonly number[], i: number, ci: number): void {
    if (row.length !== i) this.fail(`a row ${i} has ${row.length} entries, expected ${i} (explicit)`);
    if (Math.abs(sum(row) - ci) > TOL) this.fail(`row ${i} of a sums to ${sum(row)}, but c[${i}] = ${ci}`);
  }

  private validateOrder(w: readonly number[], p: number, label: string): void {
    const v = firstViolation(this.a, w, p);
    if (v) this.fail(`order ${p} of ${label} fails a condition of order ${v.order}: got ${v.got}, want ${v.want}`);
  }

  private validateFsal(): void {
    const s = this.c.length;
    if (this.c[s - 1] !== 1) this.fail('FSAL needs c[last] = 1');
    if (Math.abs(this.b[s - 1]!) > TOL) this.fail('FSAL needs b[last] = 0');
    const last = this.a[s - 1]!;
    last.forEach((aij, j) => {
      if (Math.abs(aij - this.b[j]!) > TOL) this.fail(`FSAL needs the last row of a to equal b (column ${j})`);
    });
  }

  private validateInterpolant(d: InterpolantSpec): void {
    const extraC = d.extraC ?? [];
    const extraA = d.extraA ?? [];
    if (extraC.length !== extraA.length) this.fail('interpolant.extraC and interpolant.extraA differ in length');
    extraA.forEach((row, k) => this.checkRow(row, this.stages + k, extraC[k]!));
    const total = this.stages + extraC.length;
    const at0 = d.weights(0);
    const at1 = d.weights(1);
    if (at0.length !== total || at1.length !== total) this.fail(`interpolant weights must have ${total} entries`);
    if (at0.some((w) => Math.abs(w) > 1e-12)) this.fail('interpolant at θ = 0 must be y0');
    at1.forEach((w, i) => {
      if (Math.abs(w - (this.b[i] ?? 0)) > 1e-10) this.fail(`interpolant at θ = 1 must be the step's solution (weight ${i})`);
    });
  }
}
