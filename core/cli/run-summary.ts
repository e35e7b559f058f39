/**
 * What `odelab run` prints when a run ends (without --json): what was
 * trained, the few metrics that say whether it worked, with what a good value
 * looks like, where the plots are, and what to run next. Every metric stays
 * in the run (and in `--json`); this is the part a newcomer reads.
 */
import { relative } from 'node:path';
import type { ResolvedExperiment } from '../config/resolve.ts';
import type { RunSummary } from '../run/runner.ts';
import { uriScheme } from '../track/select.ts';

interface Headline {
  metric: string;
  label: (r: ResolvedExperiment, s: RunSummary) => string;
  format: (v: number) => string;
  /** What a good value is, in words; shown beside the value. */
  good: string;
}

const pct = (v: number) => (Number.isFinite(v) ? `${v.toPrecision(3)} %` : String(v));
const num = (v: number) => (Number.isInteger(v) ? String(v) : Number.isFinite(v) ? v.toPrecision(4) : String(v));

/**
 * The headline metrics, in the order shown; a metric the run did not log is
 * skipped. The "good" texts quote Cranmer et al. 2020 (their Table 1, double
 * pendulum) where the metric is theirs.
 */
const HEADLINES: readonly Headline[] = [
  {
    metric: 'eval_energy_error_pct',
    label: (r, s) => `energy error at t = ${r.eval.energyTime} (% of ${s.energyScale ?? 'max|V|'}, mean)`,
    format: pct,
    good: 'a few % or less (Cranmer et al.: LNN 0.4 %, MLP 7.4 %)',
  },
  { metric: 'eval_energy_error_median_pct', label: (r) => `energy error, median of ${r.eval.energyStarts} starts`, format: pct, good: 'close to the mean' },
  { metric: 'eval_energy_diverged', label: () => 'energy rollouts that blew up', format: num, good: '0' },
  { metric: 'eval_accel_rel', label: () => 'acceleration error (relative to mean |q̈|)', format: (v) => pct(100 * v), good: 'a few %; falls with longer training' },
  {
    metric: 'eval_rollout_mae',
    label: (r) => `rollout error (MAE, ${r.data.testTrajectories} trajector${r.data.testTrajectories === 1 ? 'y' : 'ies'})`,
    format: num,
    good: 'compare models: chaotic systems drift',
  },
  { metric: 'train_loss', label: (r) => `final training loss (${r.train.loss})`, format: num, good: 'well below the first one' },
];

function trainedLine(r: ResolvedExperiment): string {
  const hidden = Array.isArray(r.model.options.hidden) ? ` ${(r.model.options.hidden as number[]).join('×')}` : '';
  const objective = r.train.objective.name === 'acceleration' ? 'acceleration regression' : `trajectory matching through ${r.integrator.name}`;
  return `${r.model.name}${hidden} on ${r.system.name}, ${objective}, ${r.train.steps} steps`;
}

/** A file store's root as shown: relative to the working folder when inside it, else absolute. */
function shownStore(trackingUri: string): string | undefined {
  if (uriScheme(trackingUri) !== 'file') return undefined;
  const root = trackingUri.replace(/^file:\/\//, '');
  const rel = root.startsWith('/') ? relative(process.cwd(), root) || '.' : root;
  return rel.startsWith('..') ? root : rel;
}

/**
 * The summary's lines; the experiment's `next`, if it has one, ends them.
 */
export function formatRunSummary(s: RunSummary, resolved: ResolvedExperiment, trackingUri: string): string[] {
  const lines = [`run ${s.runId} ${s.status} in ${(s.durationMs / 1000).toFixed(1)} s on backend ${s.backend}`];
  if (s.reason) lines.push(`  reason: ${s.reason}`);
  if (s.evalFailure) lines.push(`  evaluation incomplete (tag odelab.eval_failure; those metrics are absent): ${s.evalFailure}`);
  lines.push(`  trained: ${trainedLine(resolved)}`);
  const shown = HEADLINES.filter((h) => h.metric in s.metrics);
  const labels = shown.map((h) => h.label(resolved, s));
  const values = shown.map((h) => h.format(s.metrics[h.metric]!));
  const width = Math.max('metric'.length, ...labels.map((l) => l.length));
  const valueWidth = Math.max('value'.length, ...values.map((v) => v.length));
  if (shown.length) lines.push(`  ${'metric'.padEnd(width)}  ${'value'.padEnd(valueWidth)}  good`);
  shown.forEach((h, i) => lines.push(`  ${labels[i]!.padEnd(width)}  ${values[i]!.padEnd(valueWidth)}  ${h.good}`));
  const store = shownStore(trackingUri);
  const folder = store && `${store}/${s.experimentId}/${s.runId}`;
  lines.push(`  all metrics (${Object.keys(s.metrics).length}): ${folder ? `${folder}/metrics/` : s.artifactUri}, or odelab run --json`);
  const plots = resolved.eval.plots ? (folder ? `${folder}/artifacts/plots/` : `${s.artifactUri}/plots/`) : undefined;
  if (plots && s.status !== 'FAILED') lines.push(`  plots: ${plots}`);
  if (store) lines.push(`  browse: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${store}`);
  if (resolved.next) lines.push(`  next: ${resolved.next}`);
  return lines;
}
