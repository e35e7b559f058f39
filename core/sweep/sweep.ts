/**
 * One sweep end to end: expand the experiment's `sweep` section into trials,
 * check every trial's config before any work (a bad one is a ConfigError
 * naming the trial and the path), create (or, with `resume`, reuse) the
 * parent MLflow run, run the trials on the executor as nested child runs
 * (`mlflow.parentRunId`), persist each trial's state on the parent run as a
 * tag `odelab.sweep.trial.<index>` (so `--resume` knows what finished), and
 * end with the table, the best overrides and the report figures on the
 * parent run.
 */
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { applyOverrides, parseOverride } from '../config/overrides.ts';
import type { LoadedExperiment } from '../config/load.ts';
import { resolveExperiment } from '../config/resolve.ts';
import { closest } from '../schema.ts';
import { setFileObject } from '../config/set-file.ts';
import type { Space } from '../config/space.ts';
import { ConfigError, OdelabError } from '../errors.ts';
import type { Registry } from '../registry/registry.ts';
import { loggedMetricNames, trainingMetricNames } from '../run/logged-metrics.ts';
import { defaultRunName } from '../run/runner.ts';
import { runTags } from '../track/system-tags.ts';
import type { RunStatus, Tracker } from '../track/tracker.ts';
import { Asha } from './asha.ts';
import type { TrialExecutor } from './executor.ts';
import { expandSweep, trialLabel, trialOverrides, type TrialSpec } from './expand.ts';
import { bestTrial, learningCurvesPlot, objectivePlot, sweepTable, type SweepTableRow } from './report.ts';
import { runSweepLoop, type TrialRecord } from './scheduler.ts';

export const TRIAL_TAG_PREFIX = 'odelab.sweep.trial.';

export interface SweepRequest {
  loaded: LoadedExperiment;
  registry: Registry;
  tracker: Tracker;
  trackingUri: string;
  /** The user's `--set` overrides (applied before each trial's). */
  overrides: string[];
  pluginPaths: string[];
  builtinsModule: string;
  backend: string;
  executor: TrialExecutor;
  scheduler: 'none' | 'asha';
  maxTrials?: number;
  maxFailures: number;
  /** Parent run id of an earlier, unfinished run of this sweep. */
  resume?: string;
  shouldStop?: () => string | undefined;
  onChange?(records: readonly TrialRecord[]): void;
}

export interface SweepResult {
  sweepId: string;
  experimentId: string;
  status: RunStatus;
  stoppedBy?: string;
  objective: { metric: string; mode: 'min' | 'max' };
  table: SweepTableRow[];
  /** The best finished trial's overrides (config path → value), if any finished. */
  best?: Record<string, unknown>;
  records: TrialRecord[];
  durationMs: number;
}

/** The sweep's trials and settings, checked; everything that can be wrong with the input fails here. */
/** The most trials one sweep expands to (each is resolved and tracked; more is a mistake, not a search). */
export const MAX_SWEEP_TRIALS = 100_000;

export function planSweep(req: Pick<SweepRequest, 'loaded' | 'registry' | 'maxTrials' | 'scheduler' | 'overrides'>) {
  const { resolved, spec } = req.loaded;
  const sweep = resolved.sweep;
  if (!sweep) throw new ConfigError('sweep', `${basename(req.loaded.file)} has no 'sweep' section: add sweep: { parameters: { 'train.lr': loguniform(1e-4, 1e-2) }, objective: { metric, mode } }`);
  // The schema checked each space's shape; its values are plain data (SpaceValue).
  const parameters = sweep.parameters as Record<string, Space>;
  // Counted before expanding: a space of 10^140 trials must be an error, not an out-of-memory crash.
  const gridSize = Object.values(parameters).reduce((n, sp) => (sp.type === 'grid' ? n * sp.values.length : n), 1);
  const total = gridSize * sweep.trials;
  if (total > MAX_SWEEP_TRIALS) {
    throw new ConfigError('sweep.trials', `sweep.trials (${sweep.trials}) × ${gridSize} grid point${gridSize === 1 ? '' : 's'} makes ${total.toPrecision(3)} trials, more than the ${MAX_SWEEP_TRIALS} a sweep may have; lower sweep.trials or the grid`);
  }
  let trials = expandSweep({ parameters, trials: sweep.trials }, sweep.seed ?? resolved.seed);
  if (req.maxTrials !== undefined) trials = trials.slice(0, req.maxTrials);
  let maxSteps = 0;
  // The objective ranks trials against each other, so every trial must log it: the names common to all.
  let logged: string[] | undefined;
  let training: string[] | undefined;
  for (const t of trials) {
    try {
      const r = resolveExperiment(applyOverrides(spec, trialOverrides(t.params)), req.registry);
      maxSteps = Math.max(maxSteps, r.train.steps);
      logged = common(logged, loggedMetricNames(r));
      training = common(training, trainingMetricNames(r));
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.path, `sweep trial ${t.index} (${trialLabel(t.params)}): ${e.message}`);
      throw e;
    }
  }
  const objective = sweep.objective;
  checkMetric('sweep.objective.metric', objective.metric, logged ?? [], 'a metric a run of this experiment logs');
  const a = sweep.asha;
  // The learning curve is a metric logged as training goes: the objective if it is one, else the loss.
  const curveMetric = a.metric ?? (training?.includes(objective.metric) ? objective.metric : 'train_loss');
  checkMetric('sweep.asha.metric', curveMetric, training ?? [], 'a metric logged during training');
  let asha: Asha | undefined;
  if (req.scheduler === 'asha') {
    const maxResource = a.maxResource ?? maxSteps;
    const eta = a.reductionFactor;
    const grace = a.gracePeriod ?? Math.max(resolved.train.logEvery, Math.round(maxResource / (eta * eta)));
    if (grace > maxResource) throw new ConfigError('sweep.asha.gracePeriod', `sweep.asha.gracePeriod (${grace}) must not exceed the max resource (${maxResource} steps)`);
    asha = new Asha({ gracePeriod: grace, reductionFactor: eta, maxResource, mode: curveMetric === objective.metric ? objective.mode : 'min' });
  }
  // What makes two runs of a sweep the same sweep: its trials and the user's overrides.
  const hash = createHash('sha256').update(JSON.stringify({ trials, overrides: req.overrides })).digest('hex').slice(0, 16);
  return { sweep, parameters, trials, objective, curveMetric, asha, hash };
}

export type SweepPlan = ReturnType<typeof planSweep>;

/** The names in both lists (all of `next` for the first). */
function common(sofar: string[] | undefined, next: readonly string[]): string[] {
  return sofar ? sofar.filter((m) => next.includes(m)) : [...next];
}

/** A ConfigError unless `metric` is one of `known`, listing them and the likely intended one. */
function checkMetric(path: string, metric: string, known: readonly string[], what: string): void {
  if (known.includes(metric)) return;
  const near = closest(metric, known);
  throw new ConfigError(path, `${path} must be ${what} (${known.join(', ')}), got '${metric}'${near ? `; did you mean '${near}'?` : ''}`);
}

/** Run the sweep; `plan` is the caller's planSweep(req) when it already checked the inputs (not planned twice). */
export async function runSweep(req: SweepRequest, plan: SweepPlan = planSweep(req)): Promise<SweepResult> {
  const started = Date.now();
  const { resolved, file } = req.loaded;
  const tracker = req.tracker;
  const experimentName = process.env.MLFLOW_EXPERIMENT_NAME || resolved.name;
  const experimentId = await tracker.getOrCreateExperiment(experimentName);

  let sweepId: string;
  let records: TrialRecord[];
  if (req.resume) {
    ({ sweepId, records } = await resumeParent(tracker, req.resume, plan.trials, plan.hash, req.executor.kind === 'queue'));
    if (plan.asha) await replayAsha(tracker, records, plan.asha, plan.curveMetric);
  } else {
    const runName = defaultRunName(`${resolved.name}-sweep`);
    const tags = {
      ...runTags({ runName, sourceName: basename(file), sourceDir: dirname(file), backend: req.backend, seed: resolved.seed }),
      'odelab.sweep': 'parent',
      'odelab.sweep.hash': plan.hash,
    };
    const info = await tracker.createRun({ experimentId, runName, startTime: started, tags });
    sweepId = info.runId;
    records = plan.trials.map((t) => ({ index: t.index, params: t.params, state: 'PENDING', attempts: 0, runIds: [], curve: [] }));
    const params: Record<string, string> = {
      'sweep.objective': `${plan.objective.mode} ${plan.objective.metric}`,
      'sweep.trials': String(plan.trials.length),
      'sweep.seed': String(plan.sweep.seed ?? resolved.seed),
      'sweep.scheduler': req.scheduler,
      'sweep.max_failures': String(req.maxFailures),
      'sweep.workers': String(req.executor.slots),
      'sweep.isolation': req.executor.kind,
      ...req.executor.describe?.(),
    };
    for (const [path, space] of Object.entries(plan.parameters)) params[`sweep.parameters.${path}`] = JSON.stringify(space).slice(0, 6000);
    if (plan.asha) {
      const o = plan.asha.options;
      Object.assign(params, { 'sweep.asha.metric': plan.curveMetric, 'sweep.asha.grace_period': String(o.gracePeriod), 'sweep.asha.reduction_factor': String(o.reductionFactor), 'sweep.asha.max_resource': String(o.maxResource) });
    }
    await tracker.logBatch(sweepId, { params });
  }

  // Tag writes on the parent are serialised, newest state last.
  let tagChain: Promise<void> = Promise.resolve();
  const persist = (r: TrialRecord) => {
    const value = JSON.stringify({ state: r.state, attempts: r.attempts, runIds: r.runIds, ...(r.objective !== undefined ? { objective: r.objective } : {}), ...(r.reason ? { reason: r.reason.slice(0, 2000) } : {}) });
    tagChain = tagChain.then(() => tracker.logBatch(sweepId, { tags: { [`${TRIAL_TAG_PREFIX}${r.index}`]: value } })).catch(() => {});
  };
  const loop = await runSweepLoop({
    records,
    executor: req.executor,
    objective: plan.objective,
    curveMetric: plan.curveMetric,
    asha: plan.asha,
    maxFailures: req.maxFailures,
    shouldStop: req.shouldStop,
    onChange: (r) => {
      persist(r);
      req.onChange?.(records);
    },
    markLost: async (runId, reason) => {
      await tracker.logBatch(runId, { tags: { 'odelab.failure_reason': reason, 'odelab.failure_code': 'WORKER_LOST' } });
      await tracker.updateRun(runId, { status: 'FAILED', endTime: Date.now() });
    },
    task: (r, attempt) => ({
      sweepId,
      trialIndex: r.index,
      attempt,
      experiment: file,
      overrides: [...req.overrides, ...trialOverrides(r.params)],
      pluginPaths: req.pluginPaths,
      builtinsModule: req.builtinsModule,
      backend: req.backend,
      trackingUri: req.trackingUri,
      runName: `${resolved.name}-trial-${r.index}${attempt > 1 ? `-attempt-${attempt}` : ''}`,
      experimentName,
      tags: { 'mlflow.parentRunId': sweepId, 'odelab.sweep.id': sweepId, 'odelab.sweep.trial': String(r.index), 'odelab.sweep.attempt': String(attempt) },
      watch: [plan.curveMetric, 'train_time_s'],
    }),
  });
  await tagChain;

  const table = sweepTable(records, plan.objective.mode);
  const best = bestTrial(records, plan.objective.mode);
  const bestOverrides = best ? bestTrialOverrides(req.overrides, best.params) : undefined;
  const count = (s: TrialRecord['state']) => records.filter((r) => r.state === s).length;
  const status: RunStatus = loop.stoppedBy ? 'KILLED' : count('FINISHED') === 0 && count('FAILED') > 0 ? 'FAILED' : 'FINISHED';
  const now = Date.now();
  const metrics: Record<string, number> = {
    trials_finished: count('FINISHED'),
    trials_stopped: count('STOPPED'),
    trials_failed: count('FAILED'),
    trials_killed: count('KILLED'),
    ...(best ? { [`best_${plan.objective.metric}`]: best.objective! } : {}),
  };
  await tracker.logBatch(sweepId, {
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: now })),
    tags: { ...(best ? { 'odelab.sweep.best_trial': String(best.index), 'odelab.sweep.best_run': best.runId ?? '' } : {}), ...(loop.stoppedBy ? { 'odelab.failure_reason': `sweep interrupted by ${loop.stoppedBy}` } : {}) },
  });
  await tracker.logArtifact(sweepId, 'sweep_report/table.json', JSON.stringify({ objective: plan.objective, rows: table }, null, 2));
  if (bestOverrides) await tracker.logArtifact(sweepId, 'sweep_report/best_overrides.json', `${JSON.stringify(bestOverrides, null, 2)}\n`);
  const objectiveSvg = objectivePlot(records, plan.parameters, plan.objective.metric);
  if (objectiveSvg) await tracker.logArtifact(sweepId, 'sweep_report/objective.svg', objectiveSvg);
  const curvesSvg = learningCurvesPlot(records, plan.curveMetric);
  if (curvesSvg) await tracker.logArtifact(sweepId, 'sweep_report/learning_curves.svg', curvesSvg);
  await tracker.updateRun(sweepId, { status, endTime: Date.now() });
  return {
    sweepId,
    experimentId,
    status,
    ...(loop.stoppedBy ? { stoppedBy: loop.stoppedBy } : {}),
    objective: plan.objective,
    table,
    ...(bestOverrides ? { best: bestOverrides } : {}),
    records,
    durationMs: Date.now() - started,
  };
}

/**
 * What `odelab run --set-file` needs to train the best trial's config again:
 * the sweep's own overrides, then the trial's values, as the trial got them.
 * Overrides of the sweep section are left out: they change the trials, not a
 * run's config.
 */
function bestTrialOverrides(sweepOverrides: readonly string[], params: TrialSpec['params']): Record<string, unknown> {
  const forRun = sweepOverrides.filter((o) => parseOverride(o).path.split('.')[0] !== 'sweep');
  return setFileObject([...forRun, ...trialOverrides(params)]);
}

/** The parent run of an earlier run of this sweep, and its trials: finished and stopped ones stay, the others run again. */
async function resumeParent(tracker: Tracker, sweepId: string, trials: TrialSpec[], hash: string, queued: boolean): Promise<{ sweepId: string; records: TrialRecord[] }> {
  let run;
  try {
    run = await tracker.getRun(sweepId);
  } catch (e) {
    if (e instanceof OdelabError) throw new ConfigError('--resume', `--resume: no sweep run '${sweepId}' in ${tracker.uri} (${e.message})`);
    throw e;
  }
  if (run.tags['odelab.sweep'] !== 'parent') throw new ConfigError('--resume', `--resume: run ${sweepId} is not a sweep's parent run`);
  if (run.tags['odelab.sweep.hash'] !== hash) {
    throw new ConfigError('--resume', `--resume: the sweep's trials differ from those of run ${sweepId} (sweep section, --set, --max-trials or seed changed); resume with the same inputs`);
  }
  if (run.params['sweep.isolation'] === 'queue' && !queued) {
    // Its workers may still be running trials: running them here too would run them twice.
    throw new ConfigError('--resume', `--resume: sweep ${sweepId} was queued on ${run.params['sweep.queue'] ?? 'Redis'}; resume it with --queue URL (an empty Redis works too: unfinished trials are queued again)`);
  }
  const records = trials.map((t): TrialRecord => {
    const saved = run.tags[`${TRIAL_TAG_PREFIX}${t.index}`];
    const base: TrialRecord = { index: t.index, params: t.params, state: 'PENDING', attempts: 0, runIds: [], curve: [] };
    if (!saved) return base;
    const s = JSON.parse(saved) as { state: TrialRecord['state']; attempts: number; runIds: string[]; objective?: number; reason?: string };
    const done = s.state === 'FINISHED' || s.state === 'STOPPED';
    return { ...base, state: done ? s.state : 'PENDING', attempts: done ? s.attempts : 0, runIds: s.runIds, runId: s.runIds.at(-1), ...(done && s.objective !== undefined ? { objective: s.objective } : {}), ...(done && s.reason ? { reason: s.reason } : {}) };
  });
  await tracker.updateRun(sweepId, { status: 'RUNNING', endTime: 0 }).catch(() => {});
  return { sweepId, records };
}

/** Feed ASHA what the finished and stopped trials reported, so decisions after a resume are as without the interruption. */
async function replayAsha(tracker: Tracker, records: TrialRecord[], asha: Asha, metric: string): Promise<void> {
  for (const r of records) {
    if ((r.state !== 'FINISHED' && r.state !== 'STOPPED') || !r.runId) continue;
    const history = await tracker.getMetricHistory(r.runId, metric);
    r.curve = history.map((m) => [m.step, m.value]);
    for (const [step, value] of r.curve) asha.replay(String(r.index), step, value);
  }
}
