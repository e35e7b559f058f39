/**
 * What a sweep shows at the end: the table sorted by the objective (best
 * first; trials without a value last), the best trial's overrides as a JSON
 * object that `odelab run --set-file` accepts, and the report figures logged
 * on the parent run: the objective against each swept parameter, and the
 * learning curves of every trial.
 */
import { figure } from '../eval/plot/index.ts';
import type { ChartSpec } from '../eval/plot/index.ts';
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

/** The objective against each swept parameter (numeric axes only; categorical ones by value index). */
export function objectivePlot(records: readonly TrialRecord[], parameters: Record<string, Space>, metric: string): Uint8Array | undefined {
  const done = records.filter((r) => r.objective !== undefined && Number.isFinite(r.objective));
  if (!done.length) return undefined;
  const panels: ChartSpec[] = Object.entries(parameters).map(([path, space]) => {
    const numeric = done.every((r) => typeof r.params[path] === 'number');
    const categories = numeric ? [] : [...new Set(done.map((r) => JSON.stringify(r.params[path])))];
    const x = done.map((r) => (numeric ? (r.params[path] as number) : categories.indexOf(JSON.stringify(r.params[path]))));
    const byState = (s: TrialRecord['state']) => done.map((r, i) => (r.state === s ? i : -1)).filter((i) => i >= 0);
    const series = (['FINISHED', 'STOPPED'] as const)
      .map((s) => ({ s, idx: byState(s) }))
      .filter(({ idx }) => idx.length)
      .map(({ s, idx }) => ({ name: s === 'FINISHED' ? 'finished' : 'stopped (last value)', x: idx.map((i) => x[i]!), y: idx.map((i) => done[i]!.objective!), style: 'points' as const }));
    return {
      title: numeric ? path : `${path} (${categories.map((c, i) => `${i}=${c}`).join(', ')})`.slice(0, 90),
      xLabel: path,
      yLabel: metric,
      logX: numeric && space.type === 'loguniform',
      logY: done.every((r) => r.objective! > 0) && Math.max(...done.map((r) => r.objective!)) / Math.min(...done.map((r) => r.objective!)) > 30,
      series,
    };
  });
  return figure({ panels, columns: Math.min(2, panels.length), title: `sweep: ${metric} against each parameter` });
}

/** Every trial's learning curve (the watched training metric against the step). */
export function learningCurvesPlot(records: readonly TrialRecord[], metric: string): Uint8Array | undefined {
  const withCurves = records.filter((r) => r.curve.length);
  if (!withCurves.length) return undefined;
  const positive = withCurves.every((r) => r.curve.every(([, v]) => !(v <= 0)));
  return figure({
    panels: [
      {
        title: `${metric} of every trial`,
        xLabel: 'step',
        yLabel: metric,
        logY: positive,
        legend: withCurves.length <= 10,
        series: withCurves.map((r) => ({ name: `trial ${r.index} (${r.state.toLowerCase()})`, x: r.curve.map(([s]) => s), y: r.curve.map(([, v]) => v), alpha: 0.8, dashed: r.state !== 'FINISHED' })),
      },
    ],
    columns: 1,
    title: 'sweep: learning curves',
  });
}
