/**
 * The PNG plots a run of a mechanical system logs (artifact folder `plots/`):
 * trajectories and phase portraits of a held-out trajectory, model against
 * truth; energy over time; predicted against true accelerations.
 */
import { figure, type ChartSpec } from './plot/index.ts';
import { componentsPlot } from './trajectory-plots.ts';
import type { EnergyResult } from './mechanics.ts';

const TRUTH = { color: 'C0' };
const MODEL = { color: 'C1', dashed: true };

/** Component names: q1.., qdot1.. (or the state index for non-mechanical systems). */
function names(n: number): string[] {
  return [...Array.from({ length: n }, (_, i) => `q${i + 1}`), ...Array.from({ length: n }, (_, i) => `qdot${i + 1}`)];
}

/** One held-out trajectory, every state component over time. */
export function trajectoryPlot(t: readonly number[], truth: readonly Float64Array[], pred: readonly Float64Array[], n: number): Uint8Array {
  return componentsPlot(t, [truth], [pred], names(n), 'held-out trajectory: model vs truth');
}

/** Phase portraits q_i against q̇_i of the same trajectory. */
export function phasePlot(truth: readonly Float64Array[], pred: readonly Float64Array[], n: number): Uint8Array {
  const panels: ChartSpec[] = Array.from({ length: n }, (_, i) => ({
    title: `phase portrait, coordinate ${i + 1}`,
    xLabel: `q${i + 1}`,
    yLabel: `qdot${i + 1}`,
    series: [
      { name: 'truth', x: truth.map((x) => x[i]!), y: truth.map((x) => x[n + i]!), ...TRUTH },
      { name: 'model', x: pred.map((x) => x[i]!), y: pred.map((x) => x[n + i]!), ...MODEL },
    ],
  }));
  return figure({ panels, columns: Math.min(2, n), title: 'phase portrait: model vs truth' });
}

/** Energy of the first start over time, and the mean energy error over all starts (percent of max|V|). */
export function energyPlot(e: EnergyResult): Uint8Array {
  const frames = e.t.length;
  const mean = new Float64Array(frames);
  e.predicted.forEach((p, k) => {
    for (let j = 0; j < frames; j++) mean[j]! += Math.abs(p[j]! - e.truth[k]![j]!) / e.predicted.length;
  });
  const pct = Array.from(mean, (v) => (100 * v) / e.eval_energy_scale);
  return figure({
    columns: 2,
    title: `energy: ${e.predicted.length} starts, final error ${e.eval_energy_error_pct.toPrecision(3)}% of max|V|`,
    panels: [
      {
        title: 'true energy along the rollouts (start 1)',
        xLabel: 't',
        yLabel: 'E',
        series: [
          { name: 'truth', x: e.t, y: e.truth[0]!, ...TRUTH },
          { name: 'model', x: e.t, y: e.predicted[0]!, ...MODEL },
        ],
      },
      {
        title: 'mean |E_model - E_true| / max|V|',
        xLabel: 't',
        yLabel: 'percent',
        logY: true,
        series: [{ name: 'model', x: e.t, y: pct, color: 'C1' }],
      },
    ],
  });
}

/** Predicted against true accelerations on fresh states, one panel per coordinate. */
export function accelerationPlot(pred: Float32Array, truth: Float32Array, n: number): Uint8Array {
  const count = pred.length / n;
  const panels: ChartSpec[] = Array.from({ length: n }, (_, i) => {
    const x = Array.from({ length: count }, (_, b) => truth[b * n + i]!);
    const y = Array.from({ length: count }, (_, b) => pred[b * n + i]!);
    const lo = Math.min(...x.filter(Number.isFinite));
    const hi = Math.max(...x.filter(Number.isFinite));
    return {
      title: `acceleration, coordinate ${i + 1}`,
      xLabel: `true qddot${i + 1}`,
      yLabel: `model qddot${i + 1}`,
      series: [
        { name: 'model', x, y, style: 'points' as const, color: 'C1', alpha: 0.5 },
        { name: 'y = x', x: [lo, hi], y: [lo, hi], color: 'C0' },
      ],
    };
  });
  return figure({ panels, columns: Math.min(2, n), title: 'accelerations on fresh states: model vs truth' });
}
