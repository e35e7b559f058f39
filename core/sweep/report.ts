/**
 * What a sweep shows at the end: the table sorted by the objective (best
 * first; trials without a value last), the best trial's overrides as a JSON
 * object that `odelab run --set-file` accepts, and the report figures logged
 * on the parent run: the objective against each swept parameter, and the
 * learning curves of every trial.
 */
import { figure } from '../eval/plot/index.ts';
import type { ChartSpec, FigureSpec } from '../eval/plot/index.ts';
import type { Space, SpaceValue } from '../config/space.ts';
import type { TrialRecord } from './scheduler.ts';

export interface SweepTableRow {
  trial: number;
  state: TrialRecord['state'];
  objective: number | null;
  attempts: number;
  runId: string | null;
  durationS: number | null;
  params: Record<string, SpaceValue>;
  reason?: string;
}

/** Rows sorted by the objective (mode), best first; NaN and missing values last. */
export function sweepTable(records: readonly TrialRecord[], mode: 'min' | 'max'): SweepTableRow[] {
  const key = (r: TrialRecord) => (r.objective !== undefined && Number.isFinite(r.objective) && r.state === 'FINISHED' ? r.objective : undefined);
  const rank = (r: TrialRecord) => (key(r) !== undefined ? 0 : r.state === 'STOPPED' ? 1 : 2);
  return [...records]
    .sort((a, b) => {
      if (rank(a) !== rank(b)) return rank(a) - rank(b);
      const [x, y] = [key(a), key(b)];
      if (x !== undefined && y !== undefined && x !== y) return mode === 'min' ? x - y : y - x;
      return a.index - b.index;
    })
    .map((r) => ({
      trial: r.index,
      state: r.state,
      objective: r.objective ?? null,
      attempts: r.attempts,
      runId: r.runId ?? null,
      durationS: r.durationMs !== undefined ? r.durationMs / 1000 : null,
      params: r.params,
      ...(r.reason ? { reason: r.reason } : {}),
    }));
}

/** The best FINISHED trial, if any. */
export function bestTrial(records: readonly TrialRecord[], mode: 'min' | 'max'): TrialRecord | undefined {
  const row = sweepTable(records, mode)[0];
  const best = row && records.find((r) => r.index === row.trial);
  return best && best.state === 'FINISHED' && best.objective !== undefined && Number.isFinite(best.objective) ? best : undefined;
}

/** A fixed-width text table. */
export function formatTable(rows: readonly SweepTableRow[], metric: string): string {
  const paths = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  const head = ['trial', 'state', metric, ...paths.map((p) => p), 'tries', 'time', 'run'];
  const cell = (v: SpaceValue | undefined) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : JSON.stringify(v ?? null));
  const body = rows.map((r) => [
    String(r.trial),
    r.state,
    r.objective === null ? '-' : r.objective.toPrecision(5),
    ...paths.map((p) => cell(r.params[p])),
    String(r.attempts),
    r.durationS === null ? '-' : `${r.durationS.toFixed(1)}s`,
    r.runId ?? '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** How a swept parameter is drawn: on a number line (log for log-uniform or wide positive grids), or as named categories. */
export type ParameterAxis =
  | { kind: 'numeric'; log: boolean }
  | { kind: 'categorical'; names: string[]; index(value: SpaceValue | undefined): number };

/**
 * The axis of a swept parameter. Numbers are numeric, on a log axis when
 * the space is loguniform or a grid/choice of positive numbers spanning a
 * factor of 100 or more (evenly spread on a log axis, crowded on a linear
 * one). Anything else (arrays such as hidden widths, strings, booleans,
 * null, objects, or a mix) is categorical, in the order the space lists its
 * values, each named by its value: tanh, true, [64,64].
 */
export function parameterAxis(space: Space, values: readonly (SpaceValue | undefined)[]): ParameterAxis {
  const listed = 'values' in space ? space.values : [];
  const all = [...listed, ...values];
  if (all.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    const positive = (all as number[]).every((v) => v > 0);
    const wide = positive && Math.max(...(all as number[])) >= 100 * Math.min(...(all as number[]));
    return { kind: 'numeric', log: space.type === 'loguniform' || (listed.length > 0 && wide) };
  }
  const keys = [...new Set([...listed, ...values].map((v) => JSON.stringify(v ?? null)))];
  const shown = keys.map((k) => categoryName(JSON.parse(k) as SpaceValue));
  // A string '32' and a number 32 would both read 32: then every name is its JSON ('"32"' and 32).
  const names = new Set(shown).size === shown.length ? shown : keys;
  return { kind: 'categorical', names, index: (v) => keys.indexOf(JSON.stringify(v ?? null)) };
}

/** A category's name: a string as itself, anything else as compact JSON. */
function categoryName(value: SpaceValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Horizontal offsets that set the trials of one category side by side
 * (within ±0.2 of its position) instead of on top of each other.
 */
function spread(count: number): number[] {
  if (count <= 1) return [0];
  const step = Math.min(0.1, 0.4 / (count - 1));
  return Array.from({ length: count }, (_, j) => (j - (count - 1) / 2) * step);
}

type Finished = TrialRecord & { objective: number };

/** x positions of the trials on a parameter's axis: the value, or the category's index spread out. */
function positions(done: readonly Finished[], path: string, axis: ParameterAxis): number[] {
  if (axis.kind === 'numeric') return done.map((r) => r.params[path] as number);
  const index = done.map((r) => axis.index(r.params[path]));
  const seen = new Map<number, number>();
  const offsets = new Map(axis.names.map((_, i) => [i, spread(index.filter((c) => c === i).length)]));
  return index.map((c) => {
    const j = seen.get(c) ?? 0;
    seen.set(c, j + 1);
    return c + offsets.get(c)![j]!;
  });
}

/**
 * The whole search space of a uniform, log-uniform or randint parameter
 * with 5% to spare (in log10 on a log axis), so the figure shows where the
 * trials fell within it; undefined (the data's extent) for the others.
 */
function spaceRange(space: Space, axis: ParameterAxis, x: readonly number[]): [number, number] | undefined {
  if (!('low' in space) || axis.kind !== 'numeric') return undefined;
  // randint's upper bound is exclusive: the largest value drawn is high - 1.
  const lo = Math.min(space.low, ...x);
  const hi = Math.max(space.type === 'randint' ? space.high - 1 : space.high, ...x);
  if (!(hi > lo)) return undefined;
  if (axis.log) {
    const pad = 10 ** (0.05 * Math.log10(hi / lo));
    return [lo / pad, hi * pad];
  }
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** One panel: the objective of every trial with a value against one parameter, finished and stopped trials apart. */
function objectivePanel(done: readonly Finished[], path: string, space: Space, metric: string, logY: boolean): ChartSpec {
  const axis = parameterAxis(space, done.map((r) => r.params[path]));
  const x = positions(done, path, axis);
  const series = (['FINISHED', 'STOPPED'] as const)
    .map((state) => ({ state, idx: done.flatMap((r, i) => (r.state === state ? [i] : [])) }))
    .filter(({ idx }) => idx.length)
    .map(({ state, idx }) => ({
      name: state === 'FINISHED' ? 'finished' : 'stopped (last value)',
      x: idx.map((i) => x[i]!),
      y: idx.map((i) => done[i]!.objective),
      style: 'points' as const,
      color: state === 'FINISHED' ? 'C0' : 'C1',
    }));
  const range = spaceRange(space, axis, x);
  return {
    xLabel: path,
    yLabel: metric,
    ...(axis.kind === 'categorical' ? { xCategories: axis.names } : { logX: axis.log }),
    ...(range ? { xRange: range } : {}),
    logY,
    series,
  };
}

/**
 * The figure of the objective against each swept parameter: the parameter
 * (its config path) on the x axis, numeric or categorical (parameterAxis),
 * the objective on the y axis (log when positive and spanning a factor of 30).
 */
export function objectiveFigure(records: readonly TrialRecord[], parameters: Record<string, Space>, metric: string): FigureSpec | undefined {
  const done = records.filter((r): r is Finished => r.objective !== undefined && Number.isFinite(r.objective));
  if (!done.length) return undefined;
  const values = done.map((r) => r.objective);
  const logY = values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) > 30;
  const panels = Object.entries(parameters).map(([path, space]) => objectivePanel(done, path, space, metric, logY));
  return { panels, columns: Math.min(2, panels.length), title: `sweep: ${metric} against each parameter` };
}

/** objectiveFigure as SVG file bytes (undefined when no trial has a value). */
export function objectivePlot(records: readonly TrialRecord[], parameters: Record<string, Space>, metric: string): Uint8Array | undefined {
  const spec = objectiveFigure(records, parameters, metric);
  return spec && figure(spec);
}

/** The figure of every trial's learning curve (the watched training metric against the step). */
export function learningCurvesFigure(records: readonly TrialRecord[], metric: string): FigureSpec | undefined {
  const withCurves = records.filter((r) => r.curve.length);
  if (!withCurves.length) return undefined;
  const positive = withCurves.every((r) => r.curve.every(([, v]) => !(v <= 0)));
  return {
    panels: [
      {
        title: `${metric} of every trial`,
        xLabel: 'training step',
        yLabel: metric,
        logY: positive,
        legend: withCurves.length <= 10,
        series: withCurves.map((r) => ({ name: `trial ${r.index} (${r.state.toLowerCase()})`, x: r.curve.map(([s]) => s), y: r.curve.map(([, v]) => v), alpha: 0.8, dashed: r.state !== 'FINISHED' })),
      },
    ],
    columns: 1,
    title: 'sweep: learning curves',
  };
}

/** learningCurvesFigure as SVG file bytes (undefined when no trial logged a curve). */
export function learningCurvesPlot(records: readonly TrialRecord[], metric: string): Uint8Array | undefined {
  const spec = learningCurvesFigure(records, metric);
  return spec && figure(spec);
}
