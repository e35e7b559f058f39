/**
 * The SVG plots a run of a mechanical system logs (artifact folder `plots/`):
 * a plotted trajectory (plotted-trajectories.ts) over time and its phase
 * portraits, model against truth; energy over time; predicted against true
 * accelerations. Each figure is built as a spec first (what the tests read)
 * and drawn by the *Plot function; axis labels carry the system's names and
 * units (axis-labels.ts), and titles say "held-out" only when it was.
 */
import { systemAxes, type LabelSource } from './axis-labels.ts';
import type { EnergyResult } from './mechanics.ts';
import type { PlotTrajectory } from './plotted-trajectories.ts';
import { figure, type ChartSpec, type FigureSpec } from './plot/index.ts';
import { axisFields, component, describeTrajectories, MODEL, pairs, timePanels, TRUTH } from './trajectory-plots.ts';

/** Every state component of the trajectories over time. */
export function trajectoryFigure(trajectories: readonly PlotTrajectory[], system: LabelSource): FigureSpec {
  const panels = timePanels(trajectories, system);
  return { panels, columns: Math.min(2, panels.length), title: `${describeTrajectories(trajectories)}: model vs truth` };
}

/** Phase portraits q_i against q̇_i of the same trajectories, one panel per coordinate. */
export function phaseFigure(trajectories: readonly PlotTrajectory[], system: LabelSource): FigureSpec {
  const n = system.mechanical?.coordinates ?? Math.floor(system.stateDim / 2);
  const { state } = systemAxes(system);
  const panels: ChartSpec[] = Array.from({ length: n }, (_, i) => ({
    title: `${state[i]!.name} against ${state[n + i]!.name}`,
    ...axisFields('x', state[i]!),
    ...axisFields('y', state[n + i]!),
    series: pairs(trajectories, component(i), component(n + i)),
  }));
  return { panels, columns: Math.min(2, n), title: `phase portrait, ${describeTrajectories(trajectories)}: model vs truth` };
}

/**
 * The system's energy along the first energy rollout, model against truth,
 * and the mean energy error over all starts in percent of the metric's energy
 * scale (max|V| for pendulums; EnergyResult.energyScaleKind says which), so it
 * has a meaning whatever the system's units.
 */
export function energyFigure(e: EnergyResult, system?: LabelSource): FigureSpec {
  const axes = system ? systemAxes(system) : undefined;
  const time = axes?.time ?? { name: 't' };
  const energy = axes?.energy ?? { name: 'E' };
  const frames = e.t.length;
  const mean = new Float64Array(frames);
  e.predicted.forEach((p, k) => {
    for (let j = 0; j < frames; j++) mean[j]! += Math.abs(p[j]! - e.truth[k]![j]!) / e.predicted.length;
  });
  const pct = Array.from(mean, (v) => (100 * v) / e.eval_energy_scale);
  const unit = energy.unit === undefined || energy.unit === 'dimensionless' ? '' : ` ${energy.unit}`;
  return {
    columns: 2,
    title: `energy: ${energyOutcome(e)}`,
    panels: [
      {
        title: "the system's energy along rollout 1",
        ...axisFields('x', time),
        ...axisFields('y', energy),
        series: [
          { name: 'truth', x: e.t, y: e.truth[0]!, ...TRUTH },
          { name: 'model', x: e.t, y: e.predicted[0]!, ...MODEL },
        ],
      },
      {
        title: `mean error over the starts; ${e.energyScaleKind} = ${e.eval_energy_scale.toPrecision(3)}${unit}`,
        ...axisFields('x', time),
        yLabel: '|E_model − E_true|',
        yUnit: `% of ${e.energyScaleKind}`,
        logY: true,
        series: [{ name: 'model', x: e.t, y: pct, color: 'C1' }],
      },
    ],
  };
}


/** The metric in words: the final error in percent of the energy scale, or how many starts blew up. */
function energyOutcome(e: EnergyResult): string {
  const starts = `${e.predicted.length} start${e.predicted.length === 1 ? '' : 's'}`;
  if (Number.isFinite(e.eval_energy_error_pct) || !(e.eval_energy_diverged > 0)) return `${starts}, final error ${e.eval_energy_error_pct.toPrecision(3)}% of ${e.energyScaleKind}`;
  const others = e.eval_energy_diverged < e.predicted.length && Number.isFinite(e.eval_energy_error_finite_pct);
  const finite = others ? `; the others' final error ${e.eval_energy_error_finite_pct.toPrecision(3)}% of ${e.energyScaleKind}` : '';
  return `${e.eval_energy_diverged} of ${starts} diverged${finite}`;
}

/**
 * Predicted against true accelerations on fresh states, one panel per
 * coordinate, on equal axes spanning the true values (so y = x is the
 * diagonal); model values beyond them are counted in the panel's title.
 */
export function accelerationFigure(pred: ArrayLike<number>, truth: ArrayLike<number>, system: LabelSource): FigureSpec {
  const n = system.mechanical?.coordinates ?? Math.floor(system.stateDim / 2);
  const { acceleration } = systemAxes(system);
  const count = Math.floor(pred.length / n);
  const panels: ChartSpec[] = Array.from({ length: n }, (_, i) => {
    const x = Array.from({ length: count }, (_, b) => truth[b * n + i]!);
    const y = Array.from({ length: count }, (_, b) => pred[b * n + i]!);
    const label = acceleration[i] ?? { name: `q\u0308${i + 1}` };
    const range = diagonalRange(x);
    const off = range ? y.filter((v) => !(v >= range[0] && v <= range[1])).length : 0;
    return {
      title: off ? `${label.name}: ${off} of ${count} model values off the chart` : label.name,
      ...axisFields('x', { ...label, name: `true ${label.name}` }),
      ...axisFields('y', { ...label, name: `model ${label.name}` }),
      ...(range ? { xRange: range, yRange: range } : {}),
      series: [
        { name: 'model', x, y, style: 'points' as const, color: 'C1', alpha: 0.5 },
        ...(range ? [{ name: 'y = x', x: [range[0], range[1]], y: [range[0], range[1]], color: 'C0' }] : []),
      ],
    };
  });
  return { panels, columns: Math.min(2, n), title: 'accelerations on fresh states: model vs truth' };
}

/** The true values' extent padded by 10% (undefined without two distinct finite values). */
function diagonalRange(values: readonly number[]): [number, number] | undefined {
  const finite = values.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (!(hi > lo)) return undefined;
  const pad = 0.1 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** trajectoryFigure as SVG file bytes. */
export function trajectoryPlot(trajectories: readonly PlotTrajectory[], system: LabelSource): Uint8Array {
  return figure(trajectoryFigure(trajectories, system));
}

/** phaseFigure as SVG file bytes. */
export function phasePlot(trajectories: readonly PlotTrajectory[], system: LabelSource): Uint8Array {
  return figure(phaseFigure(trajectories, system));
}

/** energyFigure as SVG file bytes. */
export function energyPlot(e: EnergyResult, system?: LabelSource): Uint8Array {
  return figure(energyFigure(e, system));
}

/** accelerationFigure as SVG file bytes. */
export function accelerationPlot(pred: ArrayLike<number>, truth: ArrayLike<number>, system: LabelSource): Uint8Array {
  return figure(accelerationFigure(pred, truth, system));
}
