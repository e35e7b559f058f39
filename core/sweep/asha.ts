/**
 * Asynchronous successive halving (ASHA; Li et al. 2020), with the decision
 * rule of Ray Tune's AsyncHyperBandScheduler (one bracket):
 *
 *   rungs at   gracePeriod · η^k  for k = 0, 1, … while ≤ maxResource
 *
 * When a trial reports its objective at resource r (the training step), it is
 * judged at the highest rung ≤ r that it has not passed yet: it goes on only
 * if its value is at least as good as the (1 − 1/η) quantile of the values
 * recorded at that rung so far (numpy's linear-interpolation percentile, as
 * Ray's `np.nanpercentile`); then its value is recorded there. The first
 * trial at a rung always goes on, so nothing waits for a rung to fill: the
 * schedule is asynchronous. A non-finite value is worse than any finite one.
 */

export interface AshaOptions {
  /** Resource (training steps) at the first rung. */
  gracePeriod: number;
  /** η: roughly 1 trial in η is promoted past each rung. */
  reductionFactor: number;
  /** Trials stop here in any case (the training budget). */
  maxResource: number;
  mode: 'min' | 'max';
}

export type AshaDecision = { action: 'continue' } | { action: 'stop'; rung: number; value: number; cutoff: number };

/** numpy.percentile with linear interpolation, q in [0, 100]. */
export function percentile(values: readonly number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  const pos = ((v.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

export class Asha {
  /** Rung milestones, highest first, each with the values recorded there (as rewards: larger is better). */
  readonly rungs: { milestone: number; recorded: Map<string, number> }[] = [];

  constructor(readonly options: AshaOptions) {
    const { gracePeriod, reductionFactor, maxResource } = options;
    if (!(gracePeriod > 0 && reductionFactor > 1 && maxResource >= gracePeriod)) {
      throw new RangeError(`ASHA needs gracePeriod > 0, reductionFactor > 1 and maxResource ≥ gracePeriod`);
    }
    for (let m = gracePeriod; m <= maxResource * (1 + 1e-12); m *= reductionFactor) {
      this.rungs.unshift({ milestone: Math.round(m), recorded: new Map() });
    }
  }

  /** The milestones, lowest first. */
  get milestones(): number[] {
    return this.rungs.map((r) => r.milestone).reverse();
  }

  /** A trial reports `value` of the objective after `resource` steps. */
  onResult(trialId: string, resource: number, value: number): AshaDecision {
    const reward = this.reward(value);
    for (const rung of this.rungs) {
      if (resource < rung.milestone || rung.recorded.has(trialId)) continue;
      const others = [...rung.recorded.values()];
      rung.recorded.set(trialId, reward);
      if (!others.length) return { action: 'continue' };
      const finite = others.filter(Number.isFinite);
      const cutoff = finite.length ? percentile(finite, (1 - 1 / this.options.reductionFactor) * 100) : -Infinity;
      if (reward < cutoff) return { action: 'stop', rung: rung.milestone, value, cutoff: this.fromReward(cutoff) };
      return { action: 'continue' };
    }
    return { action: 'continue' };
  }

  /** Replay a result an earlier run of the sweep reported (resume): recorded as then, the decision ignored. */
  replay(trialId: string, resource: number, value: number): void {
    this.onResult(trialId, resource, value);
  }

  private reward(value: number): number {
    if (!Number.isFinite(value)) return -Infinity;
    return this.options.mode === 'max' ? value : -value;
  }

  private fromReward(r: number): number {
    return this.options.mode === 'max' ? r : -r;
  }
}
