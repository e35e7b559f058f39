/**
 * Model against truth along the plotted trajectories (plotted-trajectories.ts):
 * one panel per state component over time, and for two-dimensional states
 * the phase plane. Every run logs it (mechanical systems' versions in
 * mechanics-plots.ts), so a run always has a picture of what the model
 * learned. Each figure is built as a spec first (what the tests read) and
 * drawn by the *Plot function.
 *
 * Titles say "held-out" only of trajectories training did not see; axis
 * labels carry the system's names and units (axis-labels.ts).
 */
import { systemAxes, type AxisLabel, type LabelSource } from './axis-labels.ts';
import type { PlotTrajectory } from './plotted-trajectories.ts';
import { figure, type ChartSpec, type FigureSpec, type Series } from './plot/index.ts';

export const TRUTH = { color: 'C0' };
export const MODEL = { color: 'C1', dashed: true };

/** At most this many trajectories in one plot (beyond that the lines are a tangle). */
export const MAX_PLOTTED = 3;

type Coordinate = (states: readonly Float64Array[], t: readonly number[]) => ArrayLike<number>;

/** Component d of each state. */
export const component =
  (d: number): Coordinate =>
  (states) =>
    states.map((x) => x[d]!);
/** The sample times. */
export const time: Coordinate = (_states, t) => t;

/** The x or y fields of a panel for one axis. */
export function axisFields(axis: 'x' | 'y', label: AxisLabel): Partial<ChartSpec> {
  return axis === 'x' ? { xLabel: label.name, ...(label.unit !== undefined ? { xUnit: label.unit } : {}) } : { yLabel: label.name, ...(label.unit !== undefined ? { yUnit: label.unit } : {}) };
}

/** What the plotted trajectories are: "held-out trajectory", "training trajectories", or a count of each. */
export function describeTrajectories(trajectories: readonly PlotTrajectory[]): string {
  const plural = (n: number) => (n === 1 ? 'trajectory' : 'trajectories');
  const held = trajectories.filter((tr) => tr.heldOut).length;
  const seen = trajectories.length - held;
  if (seen === 0) return `held-out ${plural(held)}`;
  if (held === 0) return `training ${plural(seen)}`;
  return `${plural(trajectories.length)} (${held} held out, ${seen} from training)`;
}

/**
 * Model (dashed) against truth of each trajectory, x and y picked from the
 * samples; numbered when several, and marked "(training)" among held-out
 * ones; fainter the later they come.
 */
export function pairs(trajectories: readonly PlotTrajectory[], x: Coordinate, y: Coordinate): Series[] {
  const count = trajectories.length;
  const mixed = trajectories.some((tr) => tr.heldOut) && trajectories.some((tr) => !tr.heldOut);
  return trajectories.flatMap((tr, k) => {
    const suffix = (count > 1 ? ` ${k + 1}` : '') + (mixed && !tr.heldOut ? ' (training)' : '');
    const alpha = count > 1 ? { alpha: 1 - (0.6 * k) / (count - 1) } : {};
    return [
      { name: `truth${suffix}`, x: x(tr.truth.x, tr.truth.t), y: y(tr.truth.x, tr.truth.t), ...TRUTH, ...alpha },
      { name: `model${suffix}`, x: x(tr.model.x, tr.model.t), y: y(tr.model.x, tr.model.t), ...MODEL, ...alpha },
    ];
  });
}

/** One panel per state component over time. */
export function timePanels(trajectories: readonly PlotTrajectory[], system: LabelSource): ChartSpec[] {
  const axes = systemAxes(system);
  return axes.state.map((label, d) => ({
    title: label.name,
    ...axisFields('x', axes.time),
    ...axisFields('y', label),
    series: pairs(trajectories, time, component(d)),
  }));
}

/**
 * The figure of a system without mechanical structure: each component over
 * time, and for 2-d states x2 against x1, for at most MAX_PLOTTED trajectories.
 */
export function trajectoriesFigure(trajectories: readonly PlotTrajectory[], system: LabelSource): FigureSpec {
  const shown = trajectories.slice(0, MAX_PLOTTED);
  const title = `${describeTrajectories(shown)}: model vs truth`;
  const panels = timePanels(shown, system);
  if (system.stateDim !== 2) return { panels, columns: Math.min(2, panels.length), title };
  const [x1, x2] = systemAxes(system).state as [AxisLabel, AxisLabel];
  const plane: ChartSpec = { title: 'phase plane', ...axisFields('x', x1), ...axisFields('y', x2), series: pairs(shown, component(0), component(1)) };
  return { panels: [...panels, plane], columns: 3, title };
}

/** trajectoriesFigure as SVG file bytes. */
export function trajectoriesPlot(trajectories: readonly PlotTrajectory[], system: LabelSource): Uint8Array {
  return figure(trajectoriesFigure(trajectories, system));
}
