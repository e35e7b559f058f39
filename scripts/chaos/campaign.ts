/**
 * The bookkeeping of a chaos campaign: a seeded generator, the faults
 * injected and the invariant checks made per kind, and the violations found.
 */
import { Rng } from 'odelab';

export interface FaultRow {
  fault: string;
  injected: number;
  /** Invariant checks made after recovery from this kind of fault. */
  checks: number;
  violations: string[];
  /** Free-form figures (e.g. estimated points lost). */
  notes: string[];
}

export class Campaign {
  readonly rng: Rng;
  readonly rows = new Map<string, FaultRow>();
  readonly started = Date.now();

  constructor(
    readonly seed: number,
    readonly dir: string,
    readonly scale: number,
    readonly log: (line: string) => void,
  ) {
    this.rng = new Rng(seed);
  }

  row(fault: string): FaultRow {
    let r = this.rows.get(fault);
    if (!r) this.rows.set(fault, (r = { fault, injected: 0, checks: 0, violations: [], notes: [] }));
    return r;
  }

  inject(fault: string, n = 1): void {
    this.row(fault).injected += n;
  }

  /** Record `checks` invariant checks for `fault` and the violations among them. */
  checked(fault: string, checks: number, violations: readonly string[]): void {
    const r = this.row(fault);
    r.checks += checks;
    r.violations.push(...violations);
    for (const v of violations) this.log(`  VIOLATION (${fault}): ${v}`);
  }

  note(fault: string, text: string): void {
    this.row(fault).notes.push(text);
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return this.rng.range(lo, hi);
  }

  /** An integer count scaled by the campaign's scale (at least 1). */
  count(n: number): number {
    return Math.max(1, Math.round(n * this.scale));
  }

  get faults(): number {
    return [...this.rows.values()].reduce((n, r) => n + r.injected, 0);
  }

  get violations(): number {
    return [...this.rows.values()].reduce((n, r) => n + r.violations.length, 0);
  }
}

/** The experiment every single-run scenario trains: the tests' tiny spiral, made long. */
export const TINY = 'test/fixtures/experiments/tiny.ts';
export const SWEEP_TINY = 'test/fixtures/experiments/sweep-tiny.ts';
export const LONG_RUN = ['--quiet', '--backend', 'cpu', '--set', 'train.steps=1000000', '--set', 'train.logEvery=1', '--set', 'eval.plots=false'];
/** Metric values a run logs per training step with logEvery=1 (train_loss, train_lr, train_nfe_forward). */
export const METRICS_PER_STEP = 3;
/** The file store's metric buffer (core/track/run-logger.ts FLUSH_EVERY): what a kill may lose. */
export const FLUSH_EVERY = 200;
