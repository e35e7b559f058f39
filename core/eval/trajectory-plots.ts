/**
 * Model against truth along held-out trajectories: one panel per state
 * component over time, and for two-dimensional states the phase plane.
 * Every run logs it (mechanical systems' versions in mechanics-plots.ts),
 * so a run always has a picture of what the model learned.
 */
import { figure, type ChartSpec, type Series } from './plot/index.ts';

const TRUTH = { color: 'C0' };
const MODEL = { color: 'C1', dashed: true };

/** At most this many trajectories in one plot (beyond that the lines are a tangle). */
export const MAX_PLOTTED = 3;

type Trajectories = readonly (readonly Float64Array[])[];
type Coordinate = (states: readonly Float64Array[]) => ArrayLike<number>;

const component = (d: number): Coordinate => (states) => states.map((x) => x[d]!);

/** Model (dashed) against truth of the first `count` trajectories, x and y picked from the states; numbered only when several. */
function pairs(count: number, x: Coordinate, y: Coordinate, truths: Trajectories, preds: Trajectories): Series[] {
  return Array.from({ length: count }, (_, k) => {
    const suffix = count > 1 ? ` ${k + 1}` : '';
    const alpha = count > 1 ? { alpha: 1 - (0.6 * k) / (count - 1) } : {};
    return [
      { name: `truth${suffix}`, x: x(truths[k]!), y: y(truths[k]!), ...TRUTH, ...alpha },
      { name: `model${suffix}`, x: x(preds[k]!), y: y(preds[k]!), ...MODEL, ...alpha },
    ];
  }).flat();
}

/** One panel per state component over time. */
function timePanels(t: readonly number[], truths: Trajectories, preds: Trajectories, labels: readonly string[]): ChartSpec[] {
  const count = Math.min(truths.length, preds.length, MAX_PLOTTED);
  return labels.map((label, d) => ({ title: label, xLabel: 't', yLabel: label, series: pairs(count, () => t, component(d), truths, preds) }));
}

/**
 * Each state component over time, model (dashed) against truth, for the
 * first MAX_PLOTTED trajectories.
 * @param truths truths[k][p] is trajectory k's state at t[p]; preds likewise.
 * @param labels one per state component.
 * @returns the PNG file's bytes.
 */
export function componentsPlot(t: readonly number[], truths: Trajectories, preds: Trajectories, labels: readonly string[], title: string): Uint8Array {
  const panels = timePanels(t, truths, preds, labels);
  return figure({ panels, columns: Math.min(2, panels.length), title });
}

/** Held-out trajectories of a system without mechanical structure: components over time, and for 2-d states x2 against x1. */
export function heldOutPlot(t: readonly number[], truths: Trajectories, preds: Trajectories): Uint8Array {
  const dim = truths[0]?.[0]?.length ?? 0;
  const labels = Array.from({ length: dim }, (_, d) => `x${d + 1}`);
  const count = Math.min(truths.length, preds.length, MAX_PLOTTED);
  const title = `held-out trajector${count > 1 ? 'ies' : 'y'}: model vs truth`;
  if (dim !== 2) return componentsPlot(t, truths, preds, labels, title);
  const plane: ChartSpec = { title: 'phase plane', xLabel: 'x1', yLabel: 'x2', series: pairs(count, component(0), component(1), truths, preds) };
  return figure({ panels: [...timePanels(t, truths, preds, labels), plane], columns: 3, title });
}
